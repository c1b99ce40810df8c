"""Markdown generated from the catalog: ``kpi-xl explain`` and docs/kpi-reference.md.

Regenerate the reference with ``python -m kpi_xl.docs > docs/kpi-reference.md``; a test fails
when the committed file is stale.
"""

from __future__ import annotations

from kpi_xl import catalog
from kpi_xl.catalog.schema import Example, KpiDef

__all__ = ["entry_markdown", "reference_markdown"]


def _example_line(d: KpiDef, e: Example) -> str:
    result = f"→ `{e.error}` ({_error_excel(e.error)})" if e.error else f"→ `{e.expected!r}`"
    note = f" — {e.note}" if e.note else ""
    return f"- `{e.call_text(d.id)}` {result}{note}"


def _error_excel(code: str) -> str:
    from kpi_xl.core.errors import error_for_code

    return error_for_code(code).excel


def entry_markdown(d: KpiDef, *, heading: str = "##") -> str:
    """One entry as Markdown: what it is, formula, arguments, blanks, edge cases, examples."""
    sig = ", ".join(p.name if not p.optional else f"[{p.name}]" for p in d.params)
    meta = [
        f"**Excel** `={d.excel_name}({sig})` · **Python** `kpi_xl.{d.id}` · "
        f"**category** {d.category} · **kind** {d.kind}"
        + (f" (variant of `{d.variant_of}`)" if d.variant_of else ""),
        f"**level** {d.level or '—'} · **indicator** {d.indicator or '—'} · **unit** {d.unit} "
        f"(`{d.number_format}`) · **direction** {d.direction} · **aggregation** {d.aggregation}",
    ]
    if d.aliases:
        meta.append("**aliases** " + ", ".join(f"`kpi_xl.{a}`" for a in d.aliases))
    lines = [f"{heading} {d.name} — `{d.excel_name}`", "", d.description, "", *[m + "  " for m in meta],
             "", f"**Formula** `{d.formula}`", ""]
    if d.native:
        lines += [f"**Native Excel equivalent** `={d.native}`", ""]
    if d.rollup:
        lines += [f"**Roll-up components** {', '.join(d.rollup.components)} "
                  "(summed per group, then the formula is applied to the totals)", ""]
    lines += ["| argument | kind | default | description |", "|---|---|---|---|"]
    for p in d.params:
        default = "required" if not p.optional else f"`{p.default!r}`"
        choices = f" One of {', '.join(f'`{c}`' for c in p.choices)}." if p.choices else ""
        lines.append(f"| `{p.name}` | {p.kind} | {default} | {p.description}{choices} |")
    lines += ["", f"**Blanks and NaN** {d.blanks}", ""]
    if d.uses:
        lines += ["**Uses**", "", *[f"- {u}" for u in d.uses], ""]
    if d.edge_cases:
        lines += ["**Edge cases**", "", *[f"- {e}" for e in d.edge_cases], ""]
    if d.examples:
        lines += ["**Worked examples**", "", *[_example_line(d, e) for e in d.examples], ""]
    if d.references:
        lines += ["**References** " + ", ".join(d.references) + " (see the spec's sources)", ""]
    return "\n".join(lines)


def reference_markdown() -> str:
    """The whole catalog reference, grouped by category."""
    entries = catalog.all_entries()
    out = [
        "# kpi-xl KPI reference",
        "",
        "Generated from the catalog by `python -m kpi_xl.docs > docs/kpi-reference.md`; do not "
        "edit by hand (a test fails when this file is stale).",
        "",
        f"{len(entries)} entries. Error codes: E-DIV0 and E-EMPTY give `None` in Python and "
        "`#DIV/0!` in Excel; E-MISSING gives `None` / `#N/A`; E-NEG, E-SUBSET, E-RANGE and "
        "E-DOMAIN raise / `#NUM!`; E-TYPE raises / `#VALUE!`.",
        "",
        "| Excel | Python | name | category | unit | direction |",
        "|---|---|---|---|---|---|",
    ]
    for d in entries:
        out.append(f"| [`{d.excel_name}`](#{_anchor(d)}) | `{d.id}` | {d.name} | {d.category} | "
                   f"{d.unit} | {d.direction} |")
    out.append("")
    for cat in catalog.categories():
        out += [f"## {cat.title()}", ""]
        for d in catalog.all_entries(category=cat):
            out += [entry_markdown(d, heading="###"), ""]
    return "\n".join(out).rstrip() + "\n"


def _anchor(d: KpiDef) -> str:
    import re

    text = f"{d.name} — {d.excel_name}".lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


if __name__ == "__main__":  # pragma: no cover
    print(reference_markdown(), end="")
