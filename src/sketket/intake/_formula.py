"""Evaluation of the few formulas the writers put in a table (SUM, IFERROR, + − × ÷ on cells), so that
converted copies (.xls, .ods) carry computed values, as Excel would show them."""

from __future__ import annotations

import re
from collections.abc import Callable

from openpyxl.utils.cell import column_index_from_string, range_boundaries

from sketket.clean import parse_number

_TOKEN = re.compile(r'\s*(?:(?P<num>\d+(?:\.\d+)?)|(?P<str>"[^"]*")|(?P<range>\$?[A-Z]+\$?\d+:\$?[A-Z]+\$?\d+)'
                    r"|(?P<ref>\$?[A-Z]+\$?\d+)|(?P<fn>[A-Z]+)\(|(?P<op>[-+*/(),]))")


class FormulaError(Exception):
    """An Excel error value (#DIV/0!, #VALUE!): caught by IFERROR, else the cell stays empty."""


_ERROR = object()
Lookup = Callable[[int, int], object]  # (row, column) → the cell's computed value


def _tokens(formula: str) -> list[tuple[str, str]]:
    out, pos, text = [], 0, formula.lstrip("=")
    while pos < len(text.rstrip()):
        m = _TOKEN.match(text, pos)
        if not m:
            raise ValueError(f"formula not supported: {formula}")
        out.append((m.lastgroup, m.group(m.lastgroup)))
        pos = m.end()
    return out


def _number(value: object) -> float:
    if value is None or value == "":
        return 0.0
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float):
        return float(value)
    # Excel coerces text that reads as a number in arithmetic, by the locale: Vietnamese here.
    number = parse_number(value)
    if not number.ok or number.value is None:
        raise FormulaError("#VALUE!")
    return number.value / 100 if number.is_percent else number.value


def _cell(ref: str) -> tuple[int, int]:
    m = re.fullmatch(r"\$?([A-Z]+)\$?(\d+)", ref)
    return int(m.group(2)), column_index_from_string(m.group(1))


class _Parser:
    def __init__(self, formula: str, lookup: Lookup):
        self.toks = _tokens(formula)
        self.i = 0
        self.lookup = lookup

    def peek(self) -> tuple[str, str] | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self) -> tuple[str, str]:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def expr(self) -> object:
        value = self.term()
        while self.peek() in (("op", "+"), ("op", "-")):
            op = self.take()[1]
            right = self.term()
            value = _number(value) + _number(right) if op == "+" else _number(value) - _number(right)
        return value

    def term(self) -> object:
        value = self.atom()
        while self.peek() in (("op", "*"), ("op", "/")):
            op = self.take()[1]
            right = _number(self.atom())
            if op == "*":
                value = _number(value) * right
            elif right == 0:
                raise FormulaError("#DIV/0!")
            else:
                value = _number(value) / right
        return value

    def atom(self) -> object:
        kind, text = self.take()
        if kind == "num":
            return float(text)
        if kind == "str":
            return text[1:-1]
        if kind == "ref":
            return self.lookup(*_cell(text))
        if kind == "op" and text == "-":
            return -_number(self.atom())
        if kind == "op" and text == "(":
            value = self.expr()
            self.take()  # ")"
            return value
        if kind == "fn":
            return self.call(text)
        raise ValueError(f"unexpected {text!r}")

    def call(self, name: str) -> object:
        if name == "IFERROR":
            start = self.i
            try:
                value = self.expr()
            except FormulaError:
                value = _ERROR
                self.i = start
                self._skip_argument()
            self.take()  # ","
            fallback = self.expr()
            self.take()  # ")"
            return fallback if value is _ERROR else value
        if name == "SUM":
            total = 0.0
            while True:
                if self.peek() and self.peek()[0] == "range":
                    c1, r1, c2, r2 = range_boundaries(self.take()[1].replace("$", ""))
                    for r in range(r1, r2 + 1):
                        for c in range(c1, c2 + 1):
                            v = self.lookup(r, c)
                            # SUM skips text and empty cells in a range, like Excel
                            if isinstance(v, int | float) and not isinstance(v, bool):
                                total += v
                else:
                    total += _number(self.expr())
                if self.take() == ("op", ")"):
                    return total
        raise ValueError(f"function not supported: {name}")

    def _skip_argument(self) -> None:
        depth = 0
        while True:
            kind, text = self.peek()
            if kind == "fn" or text == "(":
                depth += 1
            elif text == ")" and depth:
                depth -= 1
            elif text in (",", ")") and not depth:
                return
            self.i += 1


def evaluate(formula: str, lookup: Lookup) -> object:
    """The value of `formula`; None where Excel would show an error."""
    try:
        return _Parser(formula, lookup).expr()
    except FormulaError:
        return None
