"""Excel number formats for TEXT(): numbers (``0``, ``0.00``, ``#,##0``, ``0.0%``, ``0.00E+00``,
literals, sections), dates and times (``yyyy-mm-dd``, ``mmm yyyy``, ``dddd``, ``hh:mm:ss``,
``AM/PM``) and text (``@``). Anything else raises :class:`Unsupported`, never a guess.

>>> fmt(1234.567, "#,##0.00"), fmt(0.1234, "0.0%"), fmt(-2.5, "0"), fmt(45322, "yyyy-mm-dd")
('1,234.57', '12.3%', '-3', '2024-01-31')
>>> fmt(45322, "mmm yyyy"), fmt(0.75, "h:mm AM/PM"), fmt(5, '0 "units"')
('Jan 2024', '6:00 PM', '5 units')
"""

from __future__ import annotations

import math
import re
from functools import lru_cache

from kpi_xl.recalc.values import Unsupported, date_from_serial, general_text, xl_round

__all__ = ["fmt"]

_MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December"]
_DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]


def _split_sections(f: str) -> list[str]:
    out, buf, i = [], [], 0
    quote = False
    while i < len(f):
        ch = f[i]
        if ch == '"':
            quote = not quote
        elif ch == "\\" and not quote and i + 1 < len(f):
            buf.append(f[i:i + 2])
            i += 2
            continue
        elif ch == ";" and not quote:
            out.append("".join(buf))
            buf = []
            i += 1
            continue
        buf.append(ch)
        i += 1
    out.append("".join(buf))
    return out


_TOKEN_RE = re.compile(
    r'"(?P<q>[^"]*)"'
    r"|\\(?P<esc>.)"
    r"|_(?P<pad>.)"
    r"|\*(?P<fill>.)"
    r"|\[(?P<br>[^\]]*)\]"
    r"|(?P<ampm>AM/PM|am/pm|A/P|a/p)"
    r"|(?P<date>[yY]+|[mM]+|[dD]+|[hH]+|[sS]+)"
    r"|(?P<gen>General)"
    r"|(?P<num>[0#?])"
    r"|(?P<exp>[eE][+-])"
    r"|(?P<ch>.)",
    re.DOTALL,
)


@lru_cache(maxsize=1024)
def _tokens(section: str) -> tuple[tuple[str, str], ...]:
    out: list[tuple[str, str]] = []
    for m in _TOKEN_RE.finditer(section):
        kind = m.lastgroup
        v = m.group(kind)  # type: ignore[arg-type]
        if kind == "q" or kind == "esc":
            out.append(("lit", v))
        elif kind == "pad":
            out.append(("lit", " "))
        elif kind == "fill":
            continue
        elif kind == "br":
            b = v.strip()
            if b.startswith("$"):
                sym = b[1:].split("-", 1)[0]
                if sym:
                    out.append(("lit", sym))
                continue
            if b.lower() in ("red", "black", "blue", "green", "white", "yellow", "magenta",
                             "cyan") or b.lower().startswith("color"):
                continue
            if b.lower() in ("h", "hh", "m", "mm", "s", "ss"):
                out.append(("elapsed", b.lower()))
                continue
            raise Unsupported(f"TEXT format [{b}]")
        else:
            out.append((kind or "ch", v))
    return tuple(out)


def _is_date(tokens: tuple[tuple[str, str], ...]) -> bool:
    return any(k in ("date", "ampm", "elapsed") for k, _ in tokens)


def fmt(value: float, fmt_text: str) -> str:
    """Format a number with an Excel number format (see the module doc)."""
    sections = _split_sections(fmt_text)
    if len(sections) > 4:
        raise Unsupported("TEXT format with more than 4 sections")
    for s in sections:
        if re.search(r"\[[<>=]", s):
            raise Unsupported("TEXT format with conditions")
    if len(sections) == 1:
        sec, neg_sign = sections[0], True
    elif value > 0 or (value == 0 and len(sections) < 3):
        sec, neg_sign = sections[0], True
    elif value < 0:
        sec, neg_sign = sections[1], False
    else:
        sec, neg_sign = sections[2], True
    toks = _tokens(sec)
    if _is_date(toks):
        return _date(value, toks)
    if any(k == "gen" for k, _ in toks):
        out = []
        for k, v in toks:
            if k == "gen":
                out.append(general_text(abs(value) if not neg_sign else value))
            elif k in ("lit", "ch"):
                out.append(v)
            else:
                raise Unsupported(f"TEXT format {fmt_text!r}")
        return "".join(out)
    if not neg_sign:
        value = abs(value)
    return _number(value, toks, fmt_text)


def text_section(value: str, fmt_text: str) -> str:
    """TEXT() of a text value: the fourth section (or a lone ``@`` section), else the text."""
    sections = _split_sections(fmt_text)
    sec = None
    if len(sections) == 4:
        sec = sections[3]
    elif len(sections) == 1 and "@" in sections[0]:
        sec = sections[0]
    if sec is None:
        return value
    out = []
    for k, v in _tokens(sec):
        if k == "ch" and v == "@":
            out.append(value)
        elif k in ("lit", "ch"):
            out.append(v)
        else:
            raise Unsupported(f"TEXT format {fmt_text!r} for text")
    return "".join(out)


def _number(value: float, toks: tuple[tuple[str, str], ...], fmt_text: str) -> str:
    percent = sum(1 for k, v in toks if k == "ch" and v == "%")
    if any(k == "ch" and v == "/" for k, v in toks) and any(k == "num" for k, _ in toks):
        # a slash between digit placeholders is a fraction format
        idx = [i for i, (k, v) in enumerate(toks) if k == "ch" and v == "/"]
        for i in idx:
            if 0 < i < len(toks) - 1 and toks[i - 1][0] == "num" and toks[i + 1][0] == "num":
                raise Unsupported("TEXT fraction format")
    if any(k == "ch" and v == "@" for k, v in toks):
        raise Unsupported(f"TEXT format {fmt_text!r}")
    x = value * (100.0 ** percent)
    # split at the exponent, then at the decimal point
    exp_at = next((i for i, (k, _) in enumerate(toks) if k == "exp"), None)
    mant_toks = toks if exp_at is None else toks[:exp_at]
    exp_toks = () if exp_at is None else toks[exp_at + 1:]
    dot = next((i for i, (k, v) in enumerate(mant_toks) if k == "ch" and v == "."), None)
    int_toks = mant_toks if dot is None else mant_toks[:dot]
    frac_toks = () if dot is None else mant_toks[dot + 1:]
    # thousands: a comma between integer digit placeholders groups; trailing commas scale
    placeholders = [i for i, (k, _) in enumerate(int_toks) if k == "num"]
    group = False
    scale = 0
    cleaned: list[tuple[str, str]] = []
    for i, (k, v) in enumerate(int_toks):
        if k == "ch" and v == ",":
            if placeholders and placeholders[0] < i < placeholders[-1]:
                group = True
                continue
            if placeholders and i > placeholders[-1] and all(
                    kk in ("ch",) and vv == "," for kk, vv in int_toks[placeholders[-1] + 1:i]):
                scale += 1
                continue
        cleaned.append((k, v))
    int_toks = tuple(cleaned)
    if scale:
        x /= 1000.0 ** scale
    ndec = sum(1 for k, _ in frac_toks if k == "num")
    exponent = None
    if exp_at is not None:
        sign_tok = toks[exp_at][1][1]
        if x == 0:
            exponent = 0
        else:
            n_int = max(1, sum(1 for k, _ in int_toks if k == "num"))
            e = math.floor(math.log10(abs(x)))
            exponent = e - (n_int - 1) if n_int == 1 else (e // n_int) * n_int
            x = x / (10.0 ** exponent)
            r = xl_round(abs(x), ndec, "half")
            if isinstance(r, float) and r >= 10.0 ** max(1, n_int):
                exponent += 1
                x = x / 10.0
    neg = x < 0
    r = xl_round(abs(x), ndec, "half")
    if not isinstance(r, float):
        raise Unsupported("TEXT of a number out of range")
    s = f"{r:.{ndec}f}"
    ip, _, fp = s.partition(".")
    if ip == "0":
        ip = ""
    # integer digits into placeholders, right to left
    nph = sum(1 for k, _ in int_toks if k == "num")
    digits = list(ip)
    out_int: list[str] = []
    ph_seen = 0
    for k, v in reversed(int_toks):
        if k == "num":
            ph_seen += 1
            if ph_seen == nph:  # leftmost placeholder takes every remaining digit
                if digits:
                    out_int.append("".join(digits))
                    digits = []
                else:
                    out_int.append("0" if v == "0" else (" " if v == "?" else ""))
            elif digits:
                out_int.append(digits.pop())
            else:
                out_int.append("0" if v == "0" else (" " if v == "?" else ""))
        else:
            out_int.append(v)
    if nph == 0 and digits:
        out_int.insert(0, "".join(digits))  # no placeholder: digits go first (rare)
    int_str = "".join(reversed(out_int))
    if group:
        int_str = _group(int_str)
    frac_chars = list(fp)
    out_frac: list[str] = []
    # trailing '#'/'?' placeholders drop trailing zeros
    ph_kinds = [v for k, v in frac_toks if k == "num"]
    keep = len(frac_chars)
    while keep > 0 and frac_chars[keep - 1] == "0" and ph_kinds[keep - 1] != "0":
        keep -= 1
    j = 0
    for k, v in frac_toks:
        if k == "num":
            if j < keep:
                out_frac.append(frac_chars[j])
            elif v == "?":
                out_frac.append(" ")
            j += 1
        else:
            out_frac.append(v)
    text = int_str
    if dot is not None:
        text += "." + "".join(out_frac)
    if exponent is not None:
        nexp = sum(1 for k, _ in exp_toks if k == "num")
        es = str(abs(exponent)).rjust(max(nexp, 1), "0")
        sign = "-" if exponent < 0 else ("+" if sign_tok == "+" else "")
        rest = "".join(v for k, v in exp_toks if k != "num")
        text += "E" + sign + es + rest
    if neg:
        text = "-" + text
    return text


def _group(int_str: str) -> str:
    """Insert thousands separators into the digit run of ``int_str``."""
    m = re.search(r"\d+", int_str)
    if not m:
        return int_str
    d = m.group(0)
    grouped = f"{int(d):,}" if d else d
    if len(d) > 1 and d.startswith("0"):
        grouped = ",".join(re.findall(r"\d{1,3}(?=(?:\d{3})*$)", d))
    return int_str[:m.start()] + grouped + int_str[m.end():]


def _date(value: float, toks: tuple[tuple[str, str], ...]) -> str:
    if value < 0:
        raise Unsupported("TEXT of a negative date")
    day = math.floor(value)
    secs = round((value - day) * 86400)
    if secs >= 86400:
        day += 1
        secs -= 86400
    ymd = date_from_serial(day)
    if not isinstance(ymd, tuple):
        raise Unsupported("TEXT of a date out of range")
    y, mo, d = ymd
    hh, rem = divmod(secs, 3600)
    mi, ss = divmod(rem, 60)
    ampm = any(k == "ampm" for k, _ in toks)
    # which m-tokens are minutes: after an hour token or before a seconds token
    kinds = [k for k, _ in toks]
    vals = [v for _, v in toks]
    minute = [False] * len(toks)
    for i, (k, v) in enumerate(toks):
        if k == "date" and v[0] in "mM" and len(v) <= 2:
            prev = next((vals[j] for j in range(i - 1, -1, -1)
                         if kinds[j] in ("date", "elapsed")), "")
            nxt = next((vals[j] for j in range(i + 1, len(toks))
                        if kinds[j] in ("date", "elapsed")), "")
            if prev[:1] in ("h", "H") or nxt[:1] in ("s", "S"):
                minute[i] = True
    weekday = (day + 6) % 7 if day >= 61 else (day - 1) % 7  # 0 = Sunday
    out: list[str] = []
    for i, (k, v) in enumerate(toks):
        if k == "date":
            c = v[0].lower()
            n = len(v)
            if c == "y":
                out.append(str(y) if n > 2 else f"{y % 100:02d}")
            elif c == "m" and minute[i]:
                out.append(f"{mi:02d}" if n == 2 else str(mi))
            elif c == "m":
                if n == 1:
                    out.append(str(mo))
                elif n == 2:
                    out.append(f"{mo:02d}")
                elif n == 3:
                    out.append(_MONTHS[mo - 1][:3])
                elif n == 5:
                    out.append(_MONTHS[mo - 1][0])
                else:
                    out.append(_MONTHS[mo - 1])
            elif c == "d":
                if n == 1:
                    out.append(str(d))
                elif n == 2:
                    out.append(f"{d:02d}")
                elif n == 3:
                    out.append(_DAYS[weekday][:3])
                else:
                    out.append(_DAYS[weekday])
            elif c == "h":
                h = hh
                if ampm:
                    h = hh % 12 or 12
                out.append(f"{h:02d}" if n >= 2 else str(h))
            elif c == "s":
                out.append(f"{ss:02d}" if n >= 2 else str(ss))
        elif k == "ampm":
            pm = hh >= 12
            if v.upper() == "AM/PM":
                out.append("PM" if pm else "AM")
            else:
                out.append(("P" if pm else "A") if v[0].isupper() else ("p" if pm else "a"))
        elif k == "elapsed":
            total = day * 86400 + secs
            if v[0] == "h":
                out.append(str(total // 3600).rjust(len(v), "0"))
            elif v[0] == "m":
                out.append(str(total // 60).rjust(len(v), "0"))
            else:
                out.append(str(total).rjust(len(v), "0"))
        elif k in ("lit", "ch"):
            out.append(v)
        elif k == "num" and v == "0" and out and out[-1] == ".":
            raise Unsupported("TEXT fractional seconds")
        else:
            raise Unsupported(f"TEXT date format token {v!r}")
    return "".join(out)

