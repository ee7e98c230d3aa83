"""Just enough of the GraphQL language for the GitLab emulator: a lexer and a parser for
operations with variables (and their types), aliases, arguments (literals, lists, enums,
variables) and nested selections. No fragments, directives or input objects: the
emulator answers those with an error saying so.

Errors carry graphql-ruby's wording ("Parse error on ... at [line, column]"), the
library GitLab runs, since a client reads them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

JSON = dict[str, Any]


class GraphQLError(Exception):
    """Answered as `{"errors": [{"message": ...}]}` with HTTP 200, no data."""

    def __init__(self, message: str, line: int = 0, column: int = 0, **extensions: Any) -> None:
        super().__init__(message)
        self.error: JSON = {"message": message}
        if line:
            self.error["locations"] = [{"line": line, "column": column}]
        if extensions:
            self.error["extensions"] = extensions


_TOKEN = re.compile(
    r"""
    (?P<skip>[\s,\ufeff]+|\#[^\n]*)
  | (?P<punct>\.\.\.|[!$():=@\[\]{}|&])
  | (?P<name>[_A-Za-z][_0-9A-Za-z]*)
  | (?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
  | (?P<string>"(?:[^"\\\n]|\\.)*")
    """,
    re.VERBOSE,
)


@dataclass
class _Tok:
    kind: str
    text: str
    line: int
    column: int


def _tokens(source: str) -> list[_Tok]:
    tokens: list[_Tok] = []
    pos, line, line_start = 0, 1, 0
    while pos < len(source):
        match = _TOKEN.match(source, pos)
        if match is None:
            raise GraphQLError(
                f'Parse error on "{source[pos]}" at [{line}, {pos - line_start + 1}]',
                line,
                pos - line_start + 1,
            )
        kind = match.lastgroup or ""
        text = match.group()
        if kind != "skip":
            tokens.append(_Tok(kind, text, line, pos - line_start + 1))
        newlines = text.count("\n")
        if newlines:
            line += newlines
            line_start = pos + text.rindex("\n") + 1
        pos = match.end()
    tokens.append(_Tok("end", "", line, pos - line_start + 1))
    return tokens


@dataclass
class TypeRef:
    name: str = ""
    of: TypeRef | None = None  # a list of this
    non_null: bool = False

    def __str__(self) -> str:
        inner = f"[{self.of}]" if self.of is not None else self.name
        return inner + ("!" if self.non_null else "")


@dataclass
class Var:
    name: str


@dataclass
class Field:
    name: str
    alias: str
    args: dict[str, Any]
    selections: list[Field]
    line: int
    column: int

    @property
    def key(self) -> str:
        return self.alias or self.name


@dataclass
class Operation:
    kind: str
    variables: dict[str, tuple[TypeRef, Any]] = field(default_factory=dict)
    selections: list[Field] = field(default_factory=list)


class Parser:
    def __init__(self, source: str) -> None:
        self.tokens = _tokens(source)
        self.at = 0

    def peek(self) -> _Tok:
        return self.tokens[self.at]

    def take(self, text: str | None = None, kind: str | None = None) -> _Tok:
        token = self.tokens[self.at]
        if (text is not None and token.text != text) or (kind is not None and token.kind != kind):
            shown = token.text or "end of query"
            raise GraphQLError(
                f'Parse error on "{shown}" at [{token.line}, {token.column}]',
                token.line,
                token.column,
            )
        self.at += 1
        return token

    def document(self) -> list[Operation]:
        operations = []
        while self.peek().kind != "end":
            operations.append(self.operation())
        if not operations:
            raise GraphQLError("No query string was present")
        return operations

    def operation(self) -> Operation:
        token = self.peek()
        if token.text == "{":
            return Operation("query", selections=self.selection_set())
        if token.text == "fragment":
            raise GraphQLError("The emulator does not support fragments", token.line, token.column)
        kind = self.take(kind="name").text
        if kind not in ("query", "mutation", "subscription"):
            raise GraphQLError(
                f'Parse error on "{kind}" at [{token.line}, {token.column}]',
                token.line,
                token.column,
            )
        operation = Operation(kind)
        if self.peek().kind == "name":
            self.take()
        if self.peek().text == "(":
            self.take("(")
            while self.peek().text != ")":
                self.take("$")
                name = self.take(kind="name").text
                self.take(":")
                type_ref = self.type_ref()
                default = None
                if self.peek().text == "=":
                    self.take("=")
                    default = self.value()
                operation.variables[name] = (type_ref, default)
            self.take(")")
        operation.selections = self.selection_set()
        return operation

    def type_ref(self) -> TypeRef:
        if self.peek().text == "[":
            self.take("[")
            ref = TypeRef(of=self.type_ref())
            self.take("]")
        else:
            ref = TypeRef(name=self.take(kind="name").text)
        if self.peek().text == "!":
            self.take("!")
            ref.non_null = True
        return ref

    def selection_set(self) -> list[Field]:
        self.take("{")
        fields = []
        while self.peek().text != "}":
            token = self.peek()
            if token.text == "...":
                raise GraphQLError(
                    "The emulator does not support fragments", token.line, token.column
                )
            if token.text == "@":
                raise GraphQLError(
                    "The emulator does not support directives", token.line, token.column
                )
            fields.append(self.field())
        self.take("}")
        if not fields:
            token = self.peek()
            raise GraphQLError(
                f'Parse error on "}}" at [{token.line}, {token.column}]', token.line, token.column
            )
        return fields

    def field(self) -> Field:
        first = self.take(kind="name")
        alias, name = "", first.text
        if self.peek().text == ":":
            self.take(":")
            alias, name = first.text, self.take(kind="name").text
        args: dict[str, Any] = {}
        if self.peek().text == "(":
            self.take("(")
            while self.peek().text != ")":
                arg = self.take(kind="name").text
                self.take(":")
                args[arg] = self.value()
            self.take(")")
        if self.peek().text == "@":
            token = self.peek()
            raise GraphQLError("The emulator does not support directives", token.line, token.column)
        selections = self.selection_set() if self.peek().text == "{" else []
        return Field(name, alias, args, selections, first.line, first.column)

    def value(self) -> Any:
        token = self.peek()
        if token.text == "$":
            self.take("$")
            return Var(self.take(kind="name").text)
        if token.text == "[":
            self.take("[")
            items = []
            while self.peek().text != "]":
                items.append(self.value())
            self.take("]")
            return items
        if token.text == "{":
            raise GraphQLError(
                "The emulator does not support input objects", token.line, token.column
            )
        self.take()
        if token.kind == "string":
            return json.loads(token.text)
        if token.kind == "number":
            return float(token.text) if re.search(r"[.eE]", token.text) else int(token.text)
        if token.kind == "name":
            return {"true": True, "false": False, "null": None}.get(token.text, Enum(token.text))
        raise GraphQLError(
            f'Parse error on "{token.text}" at [{token.line}, {token.column}]',
            token.line,
            token.column,
        )


@dataclass(frozen=True)
class Enum:
    value: str
