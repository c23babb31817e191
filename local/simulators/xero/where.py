"""Xero's `where` filter: the C#-like expressions of providers.md 2.4.

`Status=="DRAFT" AND Type=="ACCREC"`, `Contact.ContactID==guid("…")`, `Date>=DateTime(2024, 01, 31)`,
`Name.Contains("plumb")`, `EmailAddress!=null`, `AmountDue>0`, `OR`, `NOT`, parentheses. String
equality ignores case, as Xero's does. Anything else is a QueryParseException, not a guess.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from local.simulators.xero.errors import QueryFailed

TOKEN = re.compile(
    r'\s*(?:(?P<string>"(?:[^"\\]|\\.)*")|(?P<number>-?\d+(?:\.\d+)?)|(?P<op>==|!=|>=|<=|&&|\|\||[<>!(),.])'
    r"|(?P<word>[A-Za-z_][A-Za-z0-9_]*))"
)
COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    ">": lambda a, b: a is not None and b is not None and a > b,
    ">=": lambda a, b: a is not None and b is not None and a >= b,
    "<": lambda a, b: a is not None and b is not None and a < b,
    "<=": lambda a, b: a is not None and b is not None and a <= b,
}
METHODS: dict[str, Callable[[str, str], bool]] = {
    "Contains": lambda text, part: part.casefold() in text.casefold(),
    "StartsWith": lambda text, part: text.casefold().startswith(part.casefold()),
    "EndsWith": lambda text, part: text.casefold().endswith(part.casefold()),
}
Predicate = Callable[[dict[str, Any]], Any]


def compile_where(text: str) -> Predicate:
    parser = _Parser(_tokens(text))
    predicate = parser.expression()
    if parser.peek() is not None:
        raise QueryFailed(f"Unexpected '{parser.peek()}' in where clause")
    return predicate


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens, position = [], 0
    while position < len(text):
        if text[position:].strip() == "":
            break
        match = TOKEN.match(text, position)
        if match is None:
            raise QueryFailed(f"Cannot parse where clause near '{text[position : position + 20]}'")
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind)))
        position = match.end()
    return tokens


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens, self.index = tokens, 0

    def peek(self) -> str | None:
        return self.tokens[self.index][1] if self.index < len(self.tokens) else None

    def take(self, expected: str | None = None) -> tuple[str, str]:
        if self.index >= len(self.tokens):
            raise QueryFailed("Where clause ended too soon")
        token = self.tokens[self.index]
        if expected is not None and token[1].upper() != expected.upper():
            raise QueryFailed(f"Expected '{expected}' but found '{token[1]}'")
        self.index += 1
        return token

    def expression(self) -> Predicate:
        left = self.conjunction()
        while (self.peek() or "").upper() in {"OR", "||"}:
            self.take()
            left = _either(left, self.conjunction())
        return left

    def conjunction(self) -> Predicate:
        left = self.negation()
        while (self.peek() or "").upper() in {"AND", "&&"}:
            self.take()
            left = _both(left, self.negation())
        return left

    def negation(self) -> Predicate:
        if (self.peek() or "").upper() in {"NOT", "!"}:
            self.take()
            inner = self.negation()
            return lambda view: not inner(view)
        if self.peek() == "(":
            self.take("(")
            inner = self.expression()
            self.take(")")
            return inner
        return self.comparison()

    def comparison(self) -> Predicate:
        left = self.operand()
        if self.peek() in COMPARISONS:
            compare = COMPARISONS[self.take()[1]]
            right = self.operand()
            return lambda view: compare(*_comparable(left(view), right(view)))
        return lambda view: bool(left(view))

    def operand(self) -> Predicate:
        kind, value = self.take()
        if kind == "string":
            text = _unquote(value)
            return lambda view: text
        if kind == "number":
            number = Decimal(value)
            return lambda view: number
        if kind != "word":
            raise QueryFailed(f"Unexpected '{value}' in where clause")
        lowered = value.lower()
        if lowered in {"true", "false"}:
            return lambda view: lowered == "true"
        if lowered == "null":
            return lambda view: None
        if lowered == "guid":
            text = self._call_arguments()[0]
            return lambda view: str(text).lower()
        if value == "DateTime":
            moment = _datetime_literal(self._call_arguments())
            return lambda view: moment
        return self._path(value)

    def _path(self, first: str) -> Predicate:
        segments = [first]
        while self.peek() == ".":
            self.take(".")
            name = self.take()[1]
            if self.peek() == "(":
                arguments = self._call_arguments()
                return _method(segments, name, arguments)
            segments.append(name)
        return lambda view: _lookup(view, segments)

    def _call_arguments(self) -> list[Any]:
        self.take("(")
        arguments: list[Any] = []
        while self.peek() != ")":
            kind, value = self.take()
            arguments.append(_unquote(value) if kind == "string" else Decimal(value) if kind == "number" else value)
            if self.peek() == ",":
                self.take(",")
        self.take(")")
        return arguments


def _method(segments: list[str], name: str, arguments: list[Any]) -> Predicate:
    if name in {"ToLower", "ToUpper"}:
        return lambda view: (str(_lookup(view, segments) or "")).casefold()
    if name not in METHODS or len(arguments) != 1:
        raise QueryFailed(f"Method '{name}' is not supported in where clauses")
    method, argument = METHODS[name], str(arguments[0])
    return lambda view: method(str(_lookup(view, segments) or ""), argument)


def _lookup(view: dict[str, Any], segments: list[str]) -> Any:
    value: Any = view
    for segment in segments:
        if not isinstance(value, dict):
            return None
        value = value.get(segment)
    return value


def _comparable(left: Any, right: Any) -> tuple[Any, Any]:
    """Strings compare without case; GUIDs as lower case; dates against date-times by day;
    numbers exactly."""
    if isinstance(left, datetime) and isinstance(right, date) and not isinstance(right, datetime):
        return left.date(), right
    if isinstance(right, datetime) and isinstance(left, date) and not isinstance(left, datetime):
        return left, right.date()
    if isinstance(left, int | float) and not isinstance(left, bool):
        left = Decimal(str(left))
    if isinstance(right, int | float) and not isinstance(right, bool):
        right = Decimal(str(right))
    if isinstance(left, str) and isinstance(right, str):
        return left.casefold(), right.casefold()
    return left, right


def _datetime_literal(arguments: list[Any]) -> datetime:
    try:
        parts = [int(part) for part in arguments]
        return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]
    except (TypeError, ValueError) as error:
        raise QueryFailed(f"DateTime({', '.join(map(str, arguments))}) is not a valid date") from error


def _unquote(token: str) -> str:
    return re.sub(r"\\(.)", r"\1", token[1:-1])


def _either(left: Predicate, right: Predicate) -> Predicate:
    return lambda view: left(view) or right(view)


def _both(left: Predicate, right: Predicate) -> Predicate:
    return lambda view: left(view) and right(view)
