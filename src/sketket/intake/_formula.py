"""Evaluation of the formulas officials put in a table (SUM, ROUND, IF, IFERROR, MIN, MAX, ABS, + − × ÷
and comparisons on cells of the same sheet), so that converted copies (.xls, .ods) and files written by
other software carry computed values, as Excel would show them.

Anything else (another sheet, a name, a function not listed) raises Unsupported: the caller reports that
cell with its formula and reads the rest. Own code rather than the `formulas` package: that one brings
numpy, schedula and a second workbook model for the handful of functions these tables
use, and LibreOffice is rarely installed where the office runs the tool."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator

from openpyxl.utils.cell import column_index_from_string, range_boundaries

from sketket.clean import parse_number

_TOKEN = re.compile(r'\s*(?:(?P<num>\d+(?:\.\d+)?)|(?P<str>"[^"]*")|(?P<range>\$?[A-Z]+\$?\d+:\$?[A-Z]+\$?\d+)'
                    r"|(?P<ref>\$?[A-Z]+\$?\d+)|(?P<fn>[A-Z]+)\(|(?P<op><>|<=|>=|[-+*/(),;<>=]))")


class Unsupported(ValueError):
    """A formula this evaluator does not compute (another sheet, a name, an unknown function)."""


class FormulaError(Exception):
    """An Excel error value (#DIV/0!, #VALUE!): caught by IFERROR, else the cell stays empty."""


_ERROR = object()
Lookup = Callable[[int, int], object]  # (row, column) → the cell's computed value


def _tokens(formula: str) -> list[tuple[str, str]]:
    out, pos, text = [], 0, formula.lstrip("=")
    while pos < len(text.rstrip()):
        m = _TOKEN.match(text, pos)
        if not m:
            raise Unsupported(f"formula not supported: {formula}")
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


_COMPARISONS = {("op", o) for o in ("=", "<>", "<", ">", "<=", ">=")}


def _compare(left: object, op: str, right: object) -> bool:
    a, b = _number(left), _number(right)
    return {"=": a == b, "<>": a != b, "<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}[op]


def _truth(value: object) -> bool:
    return bool(value) if isinstance(value, bool) else _number(value) != 0


def _round(value: float, digits: int, name: str) -> float:
    """Excel's ROUND (half away from zero, not Python's half to even), ROUNDUP and ROUNDDOWN."""
    scale = 10.0 ** digits
    if name == "ROUNDUP":
        return math.copysign(math.ceil(abs(value) * scale - 1e-9) / scale, value)
    if name == "ROUNDDOWN":
        return math.copysign(math.floor(abs(value) * scale + 1e-9) / scale, value)
    return math.copysign(math.floor(abs(value) * scale + 0.5 + 1e-9) / scale, value)


def _cell(ref: str) -> tuple[int, int]:
    m = re.fullmatch(r"\$?([A-Z]+)\$?(\d+)", ref)
    return int(m.group(2)), column_index_from_string(m.group(1))


class _Parser:
    def __init__(self, formula: str, lookup: Lookup, extent: tuple[int, int] | None = None):
        self.toks = _tokens(formula)
        self.i = 0
        self.lookup = lookup
        self.extent = extent

    def cells(self, ref: str) -> Iterator[tuple[int, int]]:
        """The cells of a range, cut to the sheet's extent (last row, last column holding anything): beyond it
        every cell is empty, and "A1:XFD1048576" would otherwise be 17 billion lookups."""
        c1, r1, c2, r2 = range_boundaries(ref.replace("$", ""))
        if self.extent is not None:
            r2, c2 = min(r2, self.extent[0]), min(c2, self.extent[1])
        return ((r, c) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1))

    def peek(self) -> tuple[str, str] | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self) -> tuple[str, str]:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def expr(self) -> object:
        value = self.sum()
        if self.peek() in _COMPARISONS:
            op = self.take()[1]
            right = self.sum()
            return _compare(value, op, right)
        return value

    def sum(self) -> object:
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
        raise Unsupported(f"unexpected {text!r}")

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
                    for r, c in self.cells(self.take()[1]):
                        v = self.lookup(r, c)
                        # SUM skips text and empty cells in a range, like Excel
                        if isinstance(v, int | float) and not isinstance(v, bool):
                            total += v
                else:
                    total += _number(self.expr())
                if self.take() == ("op", ")"):
                    return total
        if name in ("ROUND", "ROUNDUP", "ROUNDDOWN"):
            value = _number(self.expr())
            digits = 0.0
            if self.take() == ("op", ","):
                digits = _number(self.expr())
                self.take()  # ")"
            return _round(value, int(digits), name)
        if name == "IF":
            condition = self.expr()
            self.take()  # ","
            then = self.expr()
            other: object = False
            if self.take() == ("op", ","):
                other = self.expr()
                self.take()  # ")"
            return then if _truth(condition) else other
        if name in ("MIN", "MAX", "ABS"):
            args = self._numbers()
            if name == "ABS":
                return abs(args[0]) if args else 0.0
            return (min if name == "MIN" else max)(args) if args else 0.0
        raise Unsupported(f"function not supported: {name}")

    def _numbers(self) -> list[float]:
        """The arguments of MIN/MAX/ABS as numbers, ranges spread, text and empty cells of a range skipped."""
        out: list[float] = []
        while True:
            if self.peek() and self.peek()[0] == "range":
                out += [float(v) for r, c in self.cells(self.take()[1])
                        if isinstance(v := self.lookup(r, c), int | float) and not isinstance(v, bool)]
            else:
                out.append(_number(self.expr()))
            if self.take() == ("op", ")"):
                return out

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


def evaluate(formula: str, lookup: Lookup, extent: tuple[int, int] | None = None) -> object:
    """The value of `formula`; None where Excel would show an error. Raises Unsupported for a formula it
    cannot compute. `extent`: the sheet's last row and column holding anything (ranges are cut to it)."""
    try:
        parser = _Parser(formula, lookup, extent)
        value = parser.expr()
    except FormulaError:
        return None
    except (IndexError, TypeError) as exc:  # a formula cut short or malformed: not ours to guess
        raise Unsupported(f"formula not understood: {formula}") from exc
    except RecursionError as exc:  # brackets nested thousands deep, or a chain of formulas as long
        raise Unsupported(f"formula nested too deep: {formula[:80]}") from exc
    if parser.i != len(parser.toks):
        raise Unsupported(f"formula not understood: {formula}")
    return value
