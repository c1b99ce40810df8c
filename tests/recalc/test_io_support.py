"""Helpers shared by the recalc I/O, CLI and preservation tests: hand-made packages.

(Imported by the other ``test_io_*``/``test_cli_*``/``test_preserve_*`` modules; the two
tests here check the helpers themselves.)
"""

from __future__ import annotations

import io
import os
import re
import zipfile
from pathlib import Path

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"

CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="{wb_type}"/>
{overrides}
</Types>"""
WB_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
ROOT_RELS = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="{PKG_REL}"><Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>"""


def sheet_xml(rows: str, *, prefix: str = "", extra: str = "") -> str:
    """A worksheet part around ``rows`` (the inside of sheetData)."""
    if prefix:
        p = prefix + ":"
        return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                f'<{p}worksheet xmlns:{prefix}="{MAIN}" xmlns:r="{REL}"><{p}sheetData>{rows}'
                f"</{p}sheetData>{extra}</{p}worksheet>")
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<worksheet xmlns="{MAIN}" xmlns:r="{REL}"><sheetData>{rows}</sheetData>{extra}'
            f"</worksheet>")


def package(sheets: dict[str, str], *, names: str = "", workbook_pr: str = "",
            extra_parts: dict[str, bytes | str] | None = None, wb_type: str = WB_TYPE,
            sheet_rels: dict[int, str] | None = None, wb_extra: str = "",
            wb_rels_extra: str = "", overrides: str = "") -> bytes:
    """A minimal xlsx package: sheets (name -> worksheet XML) in order, plus extra parts."""
    parts: dict[str, bytes | str] = {}
    sheet_els, rels, ovs = [], [], []
    for i, (name, xml) in enumerate(sheets.items(), start=1):
        sheet_els.append(f'<sheet name="{name}" sheetId="{i}" r:id="rId{i}"/>')
        rels.append(f'<Relationship Id="rId{i}" Type="{REL}/worksheet" '
                    f'Target="worksheets/sheet{i}.xml"/>')
        ovs.append(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{SHEET_TYPE}"/>')
        parts[f"xl/worksheets/sheet{i}.xml"] = xml
        if sheet_rels and i in sheet_rels:
            parts[f"xl/worksheets/_rels/sheet{i}.xml.rels"] = (
                f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG_REL}">'
                f"{sheet_rels[i]}</Relationships>")
    wb = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
          f'<workbook xmlns="{MAIN}" xmlns:r="{REL}">{workbook_pr}<sheets>{"".join(sheet_els)}'
          f"</sheets>{wb_extra}{names}</workbook>")
    parts = {
        "[Content_Types].xml": CONTENT_TYPES.format(wb_type=wb_type,
                                                    overrides="".join(ovs) + overrides),
        "_rels/.rels": ROOT_RELS,
        "xl/workbook.xml": wb,
        "xl/_rels/workbook.xml.rels": (f'<?xml version="1.0" encoding="UTF-8"?>'
                                       f'<Relationships xmlns="{PKG_REL}">{"".join(rels)}'
                                       f"{wb_rels_extra}</Relationships>"),
        **parts,
        **(extra_parts or {}),
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data.encode() if isinstance(data, str) else data)
    return buf.getvalue()


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def members(path: str | os.PathLike[str]) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {i.filename: z.read(i.filename) for i in z.infolist()}


def infos(path: str | os.PathLike[str]) -> list[tuple[str, int]]:
    with zipfile.ZipFile(path) as z:
        return [(i.filename, i.compress_type) for i in z.infolist()]


_V_RE = re.compile(rb"<(\w+:)?v>[^<]*</(\w+:)?v>|<(\w+:)?v/>")
_T_RE = re.compile(rb"""(<(?:\w+:)?c\b[^>]*?)\st="[^"]*"([^>]*>)""")


def strip_values(xml: bytes) -> bytes:
    """Sheet XML without cell values and cell types: equal iff only <v>/t differ."""
    xml = _V_RE.sub(b"", xml)
    prev = None
    while prev != xml:
        prev = xml
        xml = _T_RE.sub(rb"\1\2", xml)
    return re.sub(rb"<(\w+:)?c\b([^>]*?)></(\w+:)?c>", rb"<\1c\2/>", xml)


def test_package_helper_reads_back(tmp_path: Path) -> None:
    p = write(tmp_path / "a.xlsx", package({"S": sheet_xml('<row r="1"><c r="A1"><v>1</v></c></row>')}))
    import python_calamine

    wb = python_calamine.CalamineWorkbook.from_path(str(p))
    assert wb.get_sheet_by_name("S").to_python() == [[1.0]]


def test_strip_values() -> None:
    a = b'<c r="A1" t="str"><f>X</f><v>a</v></c><c r="B1"><v>1</v></c>'
    b = b'<c r="A1"><f>X</f><v>2</v></c><c r="B1" t="e"><v>#N/A</v></c>'
    assert strip_values(a) == strip_values(b)
