"""The SELECT subset of Intuit's query language that integrations use (providers.md 1.6).

Hand-written rather than built on a SQL library: the dialect is not SQL (no OR, no joins,
`ORDERBY` as one word, `STARTPOSITION`/`MAXRESULTS`, dotted field paths, refs compared by
value), so a general parser would need as much code to reject SQL as this needs to read it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from local.simulators.quickbooks_online import errors, schema
from local.simulators.quickbooks_online.clock import parse_intuit_time
from local.simulators.quickbooks_online.entities import ENTITIES
from local.simulators.quickbooks_online.store import Company, Record

DEFAULT_PAGE = 100
MAX_PAGE = 1000
TOKEN = re.compile(
    r"\s*(?:(?P<string>'(?:[^'\\]|\\.)*')|(?P<number>-?\d+(?:\.\d+)?)|(?P<op><=|>=|!=|<>|=|<|>)"
    r"|(?P<punct>[(),*])|(?P<word>[A-Za-z_][A-Za-z0-9_.]*))"
)
ENTITY_BY_LOWER = {name.lower(): name for name in ENTITIES}


@dataclass
class Condition:
    path: str
    operator: str
    values: list[Any]


@dataclass
class Query:
    entity: str
    count_only: bool = False
    fields: list[str] = field(default_factory=list)
    conditions: list[Condition] = field(default_factory=list)
    order_by: list[tuple[str, bool]] = field(default_factory=list)
    start_position: int = 1
    max_results: int = DEFAULT_PAGE


def parse(text: str) -> Query:
    return _Parser(_tokens(text)).query()


def run(query: Query, company: Company) -> dict[str, Any]:
    """The `QueryResponse` body. Inactive names are hidden unless the query filters on Active (1.4).
    A property the entity lacks was refused at parse time with 4001, never answered with no rows."""
    records = company.live(query.entity)
    if not any(condition.path.lower() == "active" for condition in query.conditions):
        records = [record for record in records if record.active]
    records = [record for record in records if all(_matches(record, c, company.timezone) for c in query.conditions)]
    if query.count_only:
        return {"totalCount": len(records)}
    for path, descending in reversed(query.order_by):
        records.sort(key=lambda record, p=path: _sort_key(_value(record, p)), reverse=descending)
    # Without ORDERBY the store's insertion order already is Id order, as Intuit returns it.
    page = records[query.start_position - 1 : query.start_position - 1 + query.max_results]
    if not page:
        return {}
    rendered = [_project(record.render(company.timezone), query.fields) for record in page]
    return {query.entity: rendered, "startPosition": query.start_position, "maxResults": len(page)}


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    position = 0
    text = text.strip().rstrip(";")
    while position < len(text):
        match = TOKEN.match(text, position)
        if match is None or match.end() == position:
            if text[position:].strip() == "":
                break
            raise errors.query_parser_error(
                f'Encountered " "{text[position : position + 10]}" at column {position + 1}.'
            )
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind)))
        position = match.end()
    return tokens


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens = tokens
        self.position = 0

    def query(self) -> Query:
        self._keyword("SELECT")
        count_only, fields = self._selection()
        self._keyword("FROM")
        entity_word = self._next("word")
        entity = ENTITY_BY_LOWER.get(entity_word.lower())
        if entity is None:
            raise errors.query_parser_error(f"Invalid entity name {entity_word!r} in the query.")
        query = Query(entity=entity, count_only=count_only, fields=fields)
        if self._accept_keyword("WHERE"):
            query.conditions.append(self._condition())
            while self._accept_keyword("AND"):
                query.conditions.append(self._condition())
        if self._accept_keyword("ORDERBY") or (self._accept_keyword("ORDER") and self._keyword("BY") is None):
            query.order_by.append(self._ordering())
            while self._accept("punct", ","):
                query.order_by.append(self._ordering())
        if self._accept_keyword("STARTPOSITION"):
            query.start_position = max(1, int(self._next("number")))
        if self._accept_keyword("MAXRESULTS"):
            query.max_results = min(MAX_PAGE, max(1, int(self._next("number"))))
        if self.position != len(self.tokens):
            raise errors.query_parser_error(f'Encountered "{self.tokens[self.position][1]}" unexpectedly.')
        named = [*query.fields, *(c.path for c in query.conditions), *(path for path, _ in query.order_by)]
        for path in named:
            if not schema.has_property(entity, path):
                raise errors.query_property_not_found(path, entity)
        return query

    def _selection(self) -> tuple[bool, list[str]]:
        if self._accept("punct", "*"):
            fields: list[str] = []
            while self._accept("punct", ","):
                fields.append(self._next("word"))
            return False, []
        first = self._next("word")
        if first.lower() == "count" and self._accept("punct", "("):
            self._expect("punct", "*")
            self._expect("punct", ")")
            return True, []
        fields = [first]
        while self._accept("punct", ","):
            fields.append(self._next("word"))
        return False, fields

    def _condition(self) -> Condition:
        path = self._next("word")
        if self._accept_keyword("IN"):
            self._expect("punct", "(")
            values = [self._literal()]
            while self._accept("punct", ","):
                values.append(self._literal())
            self._expect("punct", ")")
            return Condition(path, "IN", values)
        if self._accept_keyword("LIKE"):
            return Condition(path, "LIKE", [self._literal()])
        operator = self._next("op")
        return Condition(path, "!=" if operator == "<>" else operator, [self._literal()])

    def _ordering(self) -> tuple[str, bool]:
        path = self._next("word")
        if self._accept_keyword("DESC"):
            return path, True
        self._accept_keyword("ASC")
        return path, False

    def _literal(self) -> Any:
        kind, text = self._take()
        if kind == "string":
            return re.sub(r"\\(.)", r"\1", text[1:-1])
        if kind == "number":
            return Decimal(text)
        if kind == "word" and text.lower() in ("true", "false"):
            return text.lower() == "true"
        raise errors.query_parser_error(f'Encountered "{text}" where a value was expected.')

    # token helpers
    def _take(self) -> tuple[str, str]:
        if self.position >= len(self.tokens):
            raise errors.query_parser_error('Encountered "<EOF>" unexpectedly.')
        token = self.tokens[self.position]
        self.position += 1
        return token

    def _next(self, kind: str) -> str:
        token_kind, text = self._take()
        if token_kind != kind:
            raise errors.query_parser_error(f'Encountered "{text}" where a {kind} was expected.')
        return text

    def _expect(self, kind: str, text: str) -> None:
        if not self._accept(kind, text):
            raise errors.query_parser_error(f'Expected "{text}".')

    def _accept(self, kind: str, text: str) -> bool:
        if self.position < len(self.tokens) and self.tokens[self.position] == (kind, text):
            self.position += 1
            return True
        return False

    def _keyword(self, word: str) -> None:
        if not self._accept_keyword(word):
            raise errors.query_parser_error(f'Expected "{word}".')

    def _accept_keyword(self, word: str) -> bool:
        if self.position < len(self.tokens):
            kind, text = self.tokens[self.position]
            if kind == "word" and text.upper() == word:
                self.position += 1
                return True
        return False


def _value(record: Record, path: str) -> Any:
    """Field by dotted path, case-insensitively; a ref compares by its `value` (`CustomerRef = '1'`)."""
    if path.lower() == "id":
        return record.id
    if path.lower() == "metadata.createtime":
        return record.created_at
    if path.lower() == "metadata.lastupdatedtime":
        return record.updated_at
    current: Any = record.body
    for part in path.split("."):
        if not isinstance(current, dict):
            return None
        current = next((value for key, value in current.items() if key.lower() == part.lower()), None)
    if isinstance(current, dict) and "value" in current:
        return current["value"]
    return current


def _comparable(actual: Any, literal: Any, timezone: str) -> tuple[Any, Any]:
    if isinstance(actual, datetime):
        return actual, parse_intuit_time(str(literal), timezone)
    if isinstance(actual, bool) or isinstance(literal, bool):
        return str(actual).lower(), str(literal).lower()
    if isinstance(actual, Decimal | int) or isinstance(literal, Decimal):
        try:
            return Decimal(str(actual)), Decimal(str(literal))
        except InvalidOperation:
            return str(actual), str(literal)
    return ("" if actual is None else str(actual)), str(literal)


def _matches(record: Record, condition: Condition, timezone: str) -> bool:
    actual = _value(record, condition.path)
    if condition.path.lower() == "active" and actual is None:
        actual = True
    if condition.operator == "IN":
        return any(_compare(actual, "=", value, timezone) for value in condition.values)
    if condition.operator == "LIKE":
        pattern = "".join(".*" if ch == "%" else re.escape(ch) for ch in str(condition.values[0]))
        return actual is not None and re.fullmatch(pattern, str(actual), re.IGNORECASE | re.DOTALL) is not None
    return _compare(actual, condition.operator, condition.values[0], timezone)


def _compare(actual: Any, operator: str, literal: Any, timezone: str) -> bool:
    left, right = _comparable(actual, literal, timezone)
    if isinstance(left, str) and isinstance(right, str) and operator in ("=", "!="):
        left, right = left.casefold(), right.casefold()
    return {
        "=": left == right,
        "!=": left != right,
        "<": left < right,
        "<=": left <= right,
        ">": left > right,
        ">=": left >= right,
    }[operator]


def _sort_key(value: Any) -> tuple[int, Any]:
    if value is None:
        return (0, "")
    if isinstance(value, datetime):
        return (1, value.timestamp())
    try:
        return (1, Decimal(str(value)))
    except InvalidOperation:
        return (2, str(value).casefold())


def _project(rendered: dict[str, Any], fields: list[str]) -> dict[str, Any]:
    if not fields:
        return rendered
    wanted = {name.lower() for name in fields} | {"id", "synctoken", "domain", "sparse", "metadata"}
    return {key: value for key, value in rendered.items() if key.lower() in wanted}
