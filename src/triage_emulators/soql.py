"""The SOQL the Salesforce emulator understands: what triage-tui sends, and the simple
forms of a filter a person configures, refused where Salesforce refuses them.

SELECT f, Rel.f, ... FROM Account [WHERE cond] [ORDER BY f [ASC|DESC], ...] [LIMIT n]

- A field is an Account field or one relationship hop (`Owner.Name`, `TAM__r.Name`);
  an unknown relationship is INVALID_FIELD "Didn't understand relationship ...", an
  unknown field INVALID_FIELD "No such column ..." (Salesforce's wording).
- A condition: `f = v`, `!=` (or `<>`), `<`, `<=`, `>`, `>=`, `IN (...)`, `NOT IN (...)`,
  `LIKE '...'` (string fields only; `%` any run, `_` one character, case-insensitive:
  SOQL's "Comparison Operators"), joined by AND or OR, grouped in parentheses, negated
  with NOT. "Client applications must specify parentheses when nesting operators" (SOQL's
  "Condition Expression Syntax"): `a AND b OR c` is MALFORMED_QUERY.
- A value must be of the field's type: strings quoted, dates and numbers not, TRUE and
  FALSE for checkboxes, `null` for none.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from triage_emulators.stamps import parse_stamp

JSON = dict[str, Any]

#: A User's fields (the target of the Owner lookup, and of a TAM lookup to User).
USER_FIELDS: dict[str, str] = {
    "Id": "id",
    "Name": "string",
    "Username": "string",
    "Email": "string",
}
_TEXT = frozenset({"string", "picklist", "textarea", "id", "reference", "email", "url"})


class SoqlError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Relation:
    """A lookup from Account: its relationship name (`Owner`) reads `field` (`OwnerId`)
    and follows it to a `target` record (`User`) with fields `schema`."""

    field: str
    target: str
    schema: Mapping[str, str]


@dataclass(frozen=True)
class Condition:
    name: str
    op: str
    value: Any


@dataclass(frozen=True)
class Logic:
    op: str
    """ "AND" or "OR"."""
    parts: tuple[Where, ...]


@dataclass(frozen=True)
class Not:
    part: Where


Where = Condition | Logic | Not


@dataclass
class Query:
    fields: list[str]
    where: Where | None = None
    order: list[tuple[str, bool]] = field(default_factory=list)
    limit: int | None = None
    kinds: dict[str, str] = field(default_factory=dict)
    """Every field the query names -> its type."""

    def conditions(self) -> list[Condition]:
        """The WHERE clause's conditions, left to right."""

        def walk(node: Where | None) -> list[Condition]:
            if node is None:
                return []
            if isinstance(node, Condition):
                return [node]
            if isinstance(node, Not):
                return walk(node.part)
            return [c for part in node.parts for c in walk(part)]

        return walk(self.where)


_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>'(?:[^'\\]|\\.)*')
      | (?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2}))
      | (?P<date>\d{4}-\d{2}-\d{2})
      | (?P<number>-?\d+(?:\.\d+)?)
      | (?P<op>!=|<>|>=|<=|=|<|>)
      | (?P<punct>[(),])
      | (?P<ident>[A-Za-z_][A-Za-z0-9_.]*)
    )""",
    re.VERBOSE,
)

_RESERVED = frozenset(
    {
        "SELECT",
        "FROM",
        "WHERE",
        "AND",
        "OR",
        "NOT",
        "IN",
        "LIKE",
        "ORDER",
        "BY",
        "LIMIT",
        "ASC",
        "DESC",
        "NULLS",
    }
)


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    position = 0
    while position < len(text):
        if not text[position:].strip():
            break
        match = _TOKEN.match(text, position)
        if not match or match.end() == position:
            raise SoqlError(
                "MALFORMED_QUERY", f"unexpected token: '{text[position:].strip()[:20]}'"
            )
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind)))
        position = match.end()
    return tokens


def _no_such_column(text: str, name: str, entity: str) -> SoqlError:
    return SoqlError(
        "INVALID_FIELD",
        f"\n{text}\n^\nERROR at Row:1:Column:1\nNo such column '{name}' on entity "
        f"'{entity}'. If you are attempting to use a custom field, be sure to append the "
        "'__c' after the custom field name. Please reference your WSDL or the describe "
        "call for the appropriate names.",
    )


class _Parser:
    """Recursive descent over the grammar in the module docstring."""

    def __init__(
        self, text: str, schema: Mapping[str, str], relations: Mapping[str, Relation]
    ) -> None:
        self.text = text
        self.tokens = _tokens(text)
        self.at = 0
        self.schema = schema
        self.canonical = {name.lower(): name for name in schema}
        self.relations = {name.lower(): (name, r) for name, r in relations.items()}
        self.kinds: dict[str, str] = {}

    def peek(self) -> tuple[str, str]:
        return self.tokens[self.at] if self.at < len(self.tokens) else ("end", "")

    def take(self) -> tuple[str, str]:
        token = self.peek()
        self.at += 1
        return token

    def unexpected(self, token: tuple[str, str] | None = None) -> SoqlError:
        value = (token or self.peek())[1] or "end"
        return SoqlError("MALFORMED_QUERY", f"unexpected token: '{value}'")

    def keyword(self, *words: str) -> bool:
        kind, value = self.peek()
        if kind == "ident" and value.upper() == words[0]:
            saved = self.at
            self.at += 1
            for word in words[1:]:
                kind, value = self.take()
                if kind != "ident" or value.upper() != word:
                    self.at = saved
                    return False
            return True
        return False

    def expect(self, *words: str) -> None:
        if not self.keyword(*words):
            raise self.unexpected()

    def field_name(self) -> str:
        kind, value = self.take()
        if kind != "ident" or value.upper() in _RESERVED:
            raise self.unexpected((kind, value))
        if "." not in value:
            name = self.canonical.get(value.lower())
            if name is None:
                raise _no_such_column(self.text, value, "Account")
            self.kinds[name] = self.schema[name]
            return name
        relationship, _, rest = value.partition(".")
        found = self.relations.get(relationship.lower())
        if found is None or "." in rest:
            raise SoqlError(
                "INVALID_FIELD",
                f"Didn't understand relationship '{relationship}' in field path. If you are "
                "attempting to use a custom relationship, be sure to append the '__r' after "
                "the custom relationship name. Please reference your WSDL or the describe "
                "call for the appropriate names.",
            )
        name, relation = found
        sub = {n.lower(): n for n in relation.schema}.get(rest.lower())
        if sub is None:
            raise _no_such_column(self.text, rest, relation.target)
        path = f"{name}.{sub}"
        self.kinds[path] = relation.schema[sub]
        return path

    def literal(self, name: str) -> Any:
        kind, value = self.take()
        wanted = self.kinds[name]
        if kind == "ident" and value.lower() == "null":
            return None
        if wanted == "boolean" and kind == "ident" and value.upper() in ("TRUE", "FALSE"):
            return value.upper() == "TRUE"
        if wanted == "date" and kind == "date":
            return date.fromisoformat(value)
        if wanted == "datetime" and kind == "datetime":
            return parse_stamp(value)
        if wanted == "double" and kind == "number":
            return float(value)
        if wanted in _TEXT and kind == "string":
            return re.sub(r"\\(.)", r"\1", value[1:-1])
        soql_type = {"date": "date", "datetime": "dateTime", "double": "double"}.get(
            wanted, "boolean" if wanted == "boolean" else "string"
        )
        raise SoqlError(
            "MALFORMED_QUERY",
            f"value of filter criterion for field '{name}' must be of type {soql_type}"
            + (" and should not be enclosed in quotes" if soql_type != "string" else ""),
        )

    def condition(self) -> Condition:
        name = self.field_name()
        listed = "NOT IN" if self.keyword("NOT", "IN") else "IN" if self.keyword("IN") else ""
        if listed:
            if self.take() != ("punct", "("):
                raise SoqlError("MALFORMED_QUERY", "expecting '(' after IN")
            values = [self.literal(name)]
            while self.peek() == ("punct", ","):
                self.take()
                values.append(self.literal(name))
            if self.take() != ("punct", ")"):
                raise SoqlError("MALFORMED_QUERY", "expecting ')'")
            return Condition(name, listed, tuple(values))
        if self.keyword("LIKE"):
            if self.kinds[name] not in _TEXT:
                raise SoqlError(
                    "INVALID_QUERY_FILTER_OPERATOR",
                    f"invalid operator on {self.kinds[name]} field: LIKE ({name})",
                )
            kind, value = self.take()
            if kind != "string":
                raise SoqlError("MALFORMED_QUERY", "LIKE needs a quoted string")
            return Condition(name, "LIKE", value[1:-1])
        kind, op = self.take()
        if kind != "op":
            raise self.unexpected((kind, op))
        return Condition(name, "!=" if op == "<>" else op, self.literal(name))

    def factor(self) -> Where:
        if self.keyword("NOT"):
            return Not(self.factor())
        if self.peek() == ("punct", "("):
            self.take()
            inner = self.expression()
            if self.take() != ("punct", ")"):
                raise SoqlError("MALFORMED_QUERY", "expecting ')'")
            return inner
        return self.condition()

    def expression(self) -> Where:
        parts = [self.factor()]
        joined = ""
        while True:
            word = "AND" if self.keyword("AND") else "OR" if self.keyword("OR") else ""
            if not word:
                break
            if joined and word != joined:  # a AND b OR c: SOQL wants the parentheses
                raise SoqlError("MALFORMED_QUERY", f"unexpected token: '{word}'")
            joined = word
            parts.append(self.factor())
        return Logic(joined, tuple(parts)) if joined else parts[0]

    def parse(self) -> Query:
        self.expect("SELECT")
        fields = [self.field_name()]
        while self.peek() == ("punct", ","):
            self.take()
            fields.append(self.field_name())
        self.expect("FROM")
        kind, sobject = self.take()
        if kind != "ident" or sobject.lower() != "account":
            raise SoqlError("INVALID_TYPE", f"sObject type '{sobject}' is not supported.")
        query = Query(fields)
        if self.keyword("WHERE"):
            query.where = self.expression()
        if self.keyword("ORDER", "BY"):
            while True:
                name = self.field_name()
                descending = self.keyword("DESC")
                if not descending:
                    self.keyword("ASC")
                query.order.append((name, descending))
                if self.peek() != ("punct", ","):
                    break
                self.take()
        if self.keyword("LIMIT"):
            kind, value = self.take()
            if kind != "number" or not value.isdigit():
                raise SoqlError("MALFORMED_QUERY", "LIMIT must be a non-negative integer")
            query.limit = int(value)
        if self.peek()[0] != "end":
            raise self.unexpected()
        query.kinds = self.kinds
        return query


def parse_soql(
    text: str,
    schema: Mapping[str, str] | None = None,
    relations: Mapping[str, Relation] | None = None,
) -> Query:
    """The query, or SoqlError with the errorCode Salesforce would answer (400). Without a
    schema: the handbook org's Account fields, with the standard Owner lookup."""
    from triage_emulators.salesforce import FIELD_TYPES

    if relations is None:
        relations = {"Owner": Relation("OwnerId", "User", USER_FIELDS)}
    return _Parser(text, schema if schema is not None else FIELD_TYPES, relations).parse()


def typed(value: Any, kind: str) -> Any:
    """A stored value as its SOQL type, for comparison; None when it does not read as one."""
    if value is None:
        return None
    if kind == "date":
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            return None
    if kind == "datetime":
        return parse_stamp(str(value))
    if kind == "double":
        return float(value) if isinstance(value, int | float) else None
    if kind == "boolean":
        return value if isinstance(value, bool) else None
    return str(value).casefold()


def _like(pattern: str) -> re.Pattern[str]:
    """SOQL LIKE as a regex: % any run, _ one character, \\% and \\_ themselves."""
    out, at = [], 0
    while at < len(pattern):
        char = pattern[at]
        if char == "\\" and at + 1 < len(pattern):
            out.append(re.escape(pattern[at + 1]))
            at += 2
            continue
        out.append(".*" if char == "%" else "." if char == "_" else re.escape(char))
        at += 1
    return re.compile("".join(out), re.IGNORECASE | re.DOTALL)


Lookup = Callable[[JSON, str], Any]


def _matches(record: JSON, node: Where, kinds: Mapping[str, str], value_of: Lookup) -> bool:
    if isinstance(node, Not):
        return not _matches(record, node.part, kinds, value_of)
    if isinstance(node, Logic):
        results = (_matches(record, part, kinds, value_of) for part in node.parts)
        return all(results) if node.op == "AND" else any(results)
    name, op, wanted = node.name, node.op, node.value
    value = typed(value_of(record, name), kinds[name])

    def same(literal: Any) -> bool:
        if literal is None or value is None:
            return literal is value
        return bool(value == (literal.casefold() if isinstance(literal, str) else literal))

    if op in ("IN", "NOT IN"):
        found = any(same(v) for v in wanted)
        return found if op == "IN" else not found
    if op == "=":
        return same(wanted)
    if op == "!=":
        return not same(wanted)
    if op == "LIKE":
        return value is not None and _like(wanted).fullmatch(str(value)) is not None
    if value is None or wanted is None:
        return False
    literal = wanted.casefold() if isinstance(wanted, str) else wanted
    result: bool = {
        ">": value > literal,
        "<": value < literal,
        ">=": value >= literal,
        "<=": value <= literal,
    }[op]
    return result


def run_query(query: Query, records: list[JSON], value_of: Lookup) -> list[JSON]:
    """Filter, sort (nulls first, Id breaking ties) and limit; full records. `value_of`
    reads a field (following a relationship) from a record."""
    kinds = query.kinds
    rows = [r for r in records if query.where is None or _matches(r, query.where, kinds, value_of)]
    rows.sort(key=lambda r: r.get("Id") or "")
    for name, descending in reversed(query.order):
        kind = kinds[name]
        present = [r for r in rows if typed(value_of(r, name), kind) is not None]
        absent = [r for r in rows if typed(value_of(r, name), kind) is None]
        present.sort(key=lambda r: typed(value_of(r, name), kind), reverse=descending)
        rows = present + absent if descending else absent + present
    return rows[: query.limit] if query.limit is not None else rows
