"""Formula text -> AST, on top of openpyxl's :class:`~openpyxl.formula.tokenizer.Tokenizer`.

The AST is made of plain tuples (hashable, cheap), tagged by their first item:

``("num", x)`` ``("str", s)`` ``("bool", b)`` ``("err", e)`` ``("missing",)``
    literals; ``missing`` is an omitted argument (``IF(A1,,1)``).
``("arr", rows)``
    an array constant ``{1,2;3,4}`` (a tuple of row tuples of literal values).
``("ref", sheet, r1, c1, r2, c2, rel, extra)``
    a rectangle. ``rel`` bits say which coordinates are *relative* (1: r1, 2: c1, 4: r2,
    8: c2): those hold offsets from the formula's cell, the others absolute 0-based
    indexes. ``sheet`` is None for the formula's own sheet. ``extra`` is None or
    ``("this_row", first_row, last_row)`` for ``Table[@Col]``.
``("name", sheet, NAME)``  a defined name (upper-cased), ``sheet`` when qualified.
``("sref", text)``  a structured reference, resolved later against the tables.
``("ext", text)``  an external or 3-D reference (not supported).
``("fn", NAME, args)``  a function call; NAME as written (prefixes kept), upper-cased.
``("ops", ops, operands)``  a left-associative chain ``a0 op1 a1 op2 a2`` of one precedence.
``("neg", a)`` ``("pos", a)`` ``("pct", a)`` ``("at", a)``  unary minus/plus, postfix %,
    implicit intersection ``@``.
``("range", a, b)`` ``("isect", a, b)`` ``("union", a, b)``  reference operators.

Parsing is bounded: formula length and nesting depth are checked before any recursion.

>>> parse("SUM(A1:B2)*-2%", 0, 0)
('ops', ('*',), (('fn', 'SUM', (('ref', None, 0, 0, 1, 1, 15, None),)), ('pct', ('neg', ('num', 2.0)))))
"""

from __future__ import annotations

from typing import Any

from openpyxl.formula.tokenizer import Token, Tokenizer, TokenizerError

from kpi_xl.recalc.model import ERROR_CODES, ExcelError
from kpi_xl.recalc.refs import (
    parse_cell,
    parse_range_text,
    split_colons,
    split_sheet,
)

__all__ = ["ParseError", "ast_depth", "iter_nodes", "parse"]

Node = tuple[Any, ...]


class ParseError(ValueError):
    """The formula text cannot be parsed (or exceeds the limits)."""


_CMP_OPS = ("=", "<>", "<", ">", "<=", ">=")
#: Binary operator levels, lowest precedence first.
_LEVELS: tuple[tuple[str, ...], ...] = (_CMP_OPS, ("&",), ("+", "-"), ("*", "/"), ("^",))

_OPEN_CLOSE = {Token.FUNC, Token.PAREN, Token.ARRAY}


def _tokens(text: str) -> list[Token]:
    try:
        items = Tokenizer("=" + text).items
    except TokenizerError as exc:
        raise ParseError(str(exc)) from None
    except Exception as exc:  # openpyxl raises assorted errors on garbage
        raise ParseError(f"cannot tokenize: {exc}") from None
    return items


def _is_end(tok: Token) -> bool:
    if tok.type == Token.OPERAND:
        return True
    if tok.type in (Token.FUNC, Token.PAREN, Token.ARRAY) and tok.subtype == Token.CLOSE:
        return True
    return tok.type == Token.OP_POST


def _is_start(tok: Token) -> bool:
    if tok.type == Token.OPERAND:
        return not tok.value.startswith(":")
    if tok.type in (Token.FUNC, Token.PAREN, Token.ARRAY) and tok.subtype == Token.OPEN:
        return not tok.value.startswith(":")
    return False


class _Tok:
    """A normalised token: kind in {"lit", "ref", "open_fn", "open_paren", "open_arr",
    "close", "sep", "row", "op_in", "op_pre", "op_post"}."""

    __slots__ = ("kind", "sub", "value")

    def __init__(self, kind: str, value: str, sub: str = "") -> None:
        self.kind, self.value, self.sub = kind, value, sub

    def __repr__(self) -> str:
        return f"{self.kind}:{self.value}"


def _split_func_prefix(value: str) -> tuple[str | None, str]:
    """``A1:INDEX(`` -> (``A1``, ``INDEX``); ``:INDEX(`` -> ("", ``INDEX``)."""
    name = value[:-1]
    depth = 0
    quote = False
    cut = -1
    for i, ch in enumerate(name):
        if ch == "'":
            quote = not quote
        elif quote:
            continue
        elif ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
        elif ch == ":" and depth == 0:
            cut = i
    if cut < 0:
        return None, name
    return name[:cut], name[cut + 1:]


def _normalise(items: list[Token], max_nesting: int) -> list[_Tok]:
    out: list[_Tok] = []
    depth = 0
    n = len(items)
    for i, tok in enumerate(items):
        t, st, v = tok.type, tok.subtype, tok.value
        if t == Token.WSPACE:
            # whitespace between two operands is the intersection operator
            prev = next((items[j] for j in range(i - 1, -1, -1)
                         if items[j].type != Token.WSPACE), None)
            nxt = next((items[j] for j in range(i + 1, n) if items[j].type != Token.WSPACE), None)
            if prev is not None and nxt is not None and _is_end(prev) and _is_start(nxt):
                out.append(_Tok("op_in", " "))
            continue
        if t in _OPEN_CLOSE:
            if st == Token.OPEN:
                depth += 1
                if depth > max_nesting:
                    raise ParseError(f"nested deeper than {max_nesting} levels")
                if t == Token.FUNC:
                    left, name = _split_func_prefix(v)
                    if left is not None:
                        if left:
                            out.append(_Tok("ref", left))
                        out.append(_Tok("op_in", ":"))
                    out.append(_Tok("open_fn", name.upper()))
                elif t == Token.PAREN:
                    out.append(_Tok("open_paren", v))
                else:
                    out.append(_Tok("open_arr", v))
            else:
                depth -= 1
                out.append(_Tok("close", v, t))
            continue
        if t == Token.SEP:
            out.append(_Tok("sep" if st == Token.ARG else "row", v))
            continue
        if t == Token.OP_IN:
            out.append(_Tok("op_in", v))
            continue
        if t == Token.OP_PRE:
            out.append(_Tok("op_pre", v))
            continue
        if t == Token.OP_POST:
            out.append(_Tok("op_post", v))
            continue
        if t == Token.OPERAND:
            if st == Token.RANGE:
                if v.startswith(":"):
                    out.append(_Tok("op_in", ":"))
                    v = v[1:]
                out.append(_Tok("ref", v))
            else:
                out.append(_Tok("lit", v, st))
            continue
        raise ParseError(f"unexpected token {v!r}")
    return out


def _literal(tok: _Tok) -> Node:
    v, st = tok.value, tok.sub
    if st == Token.NUMBER:
        try:
            return ("num", float(v))
        except ValueError:
            raise ParseError(f"bad number {v!r}") from None
    if st == Token.TEXT:
        return ("str", v[1:-1].replace('""', '"'))
    if st == Token.LOGICAL:
        return ("bool", v.upper() == "TRUE")
    if st == Token.ERROR:
        if v.upper() in ERROR_CODES:
            return ("err", ExcelError(v.upper()))
        raise ParseError(f"bad error literal {v!r}")
    raise ParseError(f"unexpected operand {v!r}")


def _ref_node(text: str, row: int, col: int) -> Node:
    """An operand of subtype RANGE: cell/area/column/row reference, name, structured
    reference, possibly sheet-qualified, possibly a chain ``A1:B2:C3``."""
    if text.startswith("@"):
        return ("at", _ref_node(text[1:], row, col))
    if not text:
        raise ParseError("empty reference")
    # structured references: Table[...] or [...]
    if text.endswith("]") and "!" not in text.split("[", 1)[0]:
        head = text.split("[", 1)[0]
        if not head.startswith("'"):
            return ("sref", text)
    sheet, rest = split_sheet(text)
    if sheet is not None:
        if sheet.startswith("[") or ":" in sheet or "[" in sheet:
            return ("ext", text)
        if rest.upper() == "#REF!":
            return ("err", ExcelError("#REF!"))
    parts = split_colons(rest)
    if len(parts) == 1 or (len(parts) == 2 and parse_range_text(rest) is not None):
        rt = parse_range_text(rest)
        if rt is not None:
            return _rect(sheet, rt.r1, rt.c1, rt.r2, rt.c2,
                         (not rt.r1abs, not rt.c1abs, not rt.r2abs, not rt.c2abs), row, col)
        if len(parts) == 1:
            name = rest
            if name.upper() in ("TRUE", "FALSE"):
                return ("bool", name.upper() == "TRUE")
            if not name or name[0].isdigit() or any(ch in name for ch in " !'\"()[],;{}+-*/^&=<>%#"):
                raise ParseError(f"bad reference {text!r}")
            return ("name", sheet, name.upper())
    # a chain: each part may carry its own sheet prefix (Sheet1!A1:Sheet1!B2)
    nodes = []
    for part in parts:
        if not part:
            raise ParseError(f"bad reference {text!r}")
        psheet, _ = split_sheet(part)
        if psheet is None and sheet is not None:
            part = f"{_quote(sheet)}!{part}"
        nodes.append(_ref_node(part, row, col))
    node = nodes[0]
    for other in nodes[1:]:
        node = ("range", node, other)
    return node


def _quote(sheet: str) -> str:
    return "'" + sheet.replace("'", "''") + "'"


def _rect(sheet: str | None, r1: int, c1: int, r2: int, c2: int,
          rel: tuple[bool, bool, bool, bool], row: int, col: int) -> Node:
    bits = 0
    vals = [r1, c1, r2, c2]
    host = (row, col, row, col)
    for i in range(4):
        if rel[i]:
            bits |= 1 << i
            vals[i] -= host[i]
    return ("ref", sheet, vals[0], vals[1], vals[2], vals[3], bits, None)


class _Parser:
    def __init__(self, toks: list[_Tok], row: int, col: int) -> None:
        self.toks = toks
        self.i = 0
        self.row, self.col = row, col

    def peek(self) -> _Tok | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self) -> _Tok:
        tok = self.peek()
        if tok is None:
            raise ParseError("unexpected end of formula")
        self.i += 1
        return tok

    def parse(self) -> Node:
        if not self.toks:
            raise ParseError("empty formula")
        node = self.expr(0)
        if self.peek() is not None:
            raise ParseError(f"unexpected {self.peek().value!r}")  # type: ignore[union-attr]
        return node

    def expr(self, level: int) -> Node:
        if level >= len(_LEVELS):
            return self.postfix()
        ops_here = _LEVELS[level]
        first = self.expr(level + 1)
        ops: list[str] = []
        operands = [first]
        while True:
            tok = self.peek()
            if tok is None or tok.kind != "op_in" or tok.value not in ops_here:
                break
            self.i += 1
            ops.append(tok.value)
            operands.append(self.expr(level + 1))
        if not ops:
            return first
        return ("ops", tuple(ops), tuple(operands))

    def postfix(self) -> Node:
        node = self.unary()
        while (tok := self.peek()) is not None and tok.kind == "op_post":
            self.i += 1
            node = ("pct", node)
        return node

    def unary(self) -> Node:
        signs: list[str] = []
        while (tok := self.peek()) is not None and tok.kind == "op_pre":
            self.i += 1
            signs.append(tok.value)
        node = self.refexpr()
        for s in reversed(signs):
            node = ("neg", node) if s == "-" else ("pos", node)
        return node

    def refexpr(self) -> Node:
        # union (lowest) > intersection > range (highest); all left-associative
        return self._refop((",", " ", ":"), 0)

    def _refop(self, ops: tuple[str, ...], k: int) -> Node:
        if k == len(ops):
            return self.primary()
        node = self._refop(ops, k + 1)
        tag = {",": "union", " ": "isect", ":": "range"}[ops[k]]
        while (tok := self.peek()) is not None and tok.kind == "op_in" and tok.value == ops[k]:
            self.i += 1
            node = (tag, node, self._refop(ops, k + 1))
        return node

    def primary(self) -> Node:
        tok = self.take()
        kind = tok.kind
        if kind == "lit":
            return _literal(tok)
        if kind == "ref":
            return _ref_node(tok.value, self.row, self.col)
        if kind == "open_paren":
            node = self.expr(0)
            close = self.take()
            if close.kind != "close" or close.sub != Token.PAREN:
                raise ParseError("unbalanced parenthesis")
            return node
        if kind == "open_fn":
            return self.call(tok.value)
        if kind == "open_arr":
            return self.array()
        if kind == "op_pre":  # e.g. "2^-1" arrives here via unary
            self.i -= 1
            return self.unary()
        raise ParseError(f"unexpected {tok.value!r}")

    def call(self, name: str) -> Node:
        args: list[Node] = []
        tok = self.peek()
        if tok is not None and tok.kind == "close":
            self.i += 1
            if tok.sub != Token.FUNC:
                raise ParseError("unbalanced parenthesis")
            return ("fn", name, ())
        while True:
            tok = self.peek()
            if tok is None:
                raise ParseError(f"unclosed {name}(")
            if tok.kind in ("sep", "close"):
                args.append(("missing",))
            else:
                args.append(self.expr(0))
            tok = self.take()
            if tok.kind == "sep":
                continue
            if tok.kind == "close" and tok.sub == Token.FUNC:
                return ("fn", name, tuple(args))
            raise ParseError(f"unexpected {tok.value!r} in {name}(")

    def array(self) -> Node:
        rows: list[list[Any]] = [[]]
        while True:
            tok = self.take()
            if tok.kind == "close" and tok.sub == Token.ARRAY:
                break
            if tok.kind == "sep":
                continue
            if tok.kind == "row":
                rows.append([])
                continue
            neg = False
            while tok.kind == "op_pre":
                neg = not neg if tok.value == "-" else neg
                tok = self.take()
            if tok.kind != "lit":
                raise ParseError("array constants hold literal values only")
            lit = _literal(tok)
            value = lit[1]
            if neg:
                if lit[0] != "num":
                    raise ParseError("bad array constant")
                value = -value
            rows[-1].append(value)
        width = len(rows[0])
        if width == 0 or any(len(r) != width for r in rows):
            raise ParseError("ragged array constant")
        return ("arr", tuple(tuple(r) for r in rows))


def parse(text: str, row: int = 0, col: int = 0, *, max_length: int = 8192,
          max_nesting: int = 64) -> Node:
    """The AST of formula ``text`` (no leading ``=``) written in cell ``(row, col)``."""
    if text.startswith("="):
        text = text[1:]
    if len(text) > max_length:
        raise ParseError(f"formula longer than {max_length} characters")
    toks = _normalise(_tokens(text), max_nesting)
    node = _Parser(toks, row, col).parse()
    if ast_depth(node) > max_nesting * 8 + 16:
        raise ParseError(f"nested deeper than {max_nesting} levels")
    return node


def iter_nodes(node: Node):  # type: ignore[no-untyped-def]
    """Every node of the tree (pre-order, iterative)."""
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        tag = n[0]
        if tag == "fn":
            stack.extend(reversed(n[2]))
        elif tag == "ops":
            stack.extend(reversed(n[2]))
        elif tag in ("neg", "pos", "pct", "at"):
            stack.append(n[1])
        elif tag in ("range", "isect", "union"):
            stack.append(n[2])
            stack.append(n[1])


def ast_depth(node: Node) -> int:
    best = 0
    stack = [(node, 1)]
    while stack:
        n, d = stack.pop()
        if d > best:
            best = d
        tag = n[0]
        if tag == "fn" or tag == "ops":
            stack.extend((c, d + 1) for c in n[2])
        elif tag in ("neg", "pos", "pct", "at"):
            stack.append((n[1], d + 1))
        elif tag in ("range", "isect", "union"):
            stack.append((n[1], d + 1))
            stack.append((n[2], d + 1))
    return best


def cell_from_text(text: str) -> tuple[int, int] | None:
    c = parse_cell(text.replace("$", "")) if text else None
    return None if c is None else (c[0], c[1])
