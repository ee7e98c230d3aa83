"""The subset of GitLab's GraphQL API (POST /api/graphql) that triage-tui uses.

Enough of the language to run the queries a client sends (operations, variables with
their types, aliases, arguments, nested selections; no fragments or directives), over
a small schema: `project(fullPath:) { issues(iids:, first:, after:) { nodes { iid notes
(first:, after:) { nodes { id body system createdAt author { username } } } } } }`,
`pageInfo` on both connections, and `queryComplexity { score limit }`.

It answers as GitLab does, and refuses what GitLab refuses (doc/api/graphql/_index.md,
"Limits" and "Authentication"; graphql-ruby, which GitLab runs):

- A token GitLab does not know: HTTP 401, `{"errors":[{"message":"Invalid token"}]}`.
- No token at all: the query runs as an anonymous user, who cannot see this (private)
  project: `{"data":{"project":null}}`, HTTP 200.
- A query scoring over the complexity limit (250 signed in, 200 anonymous): HTTP 200,
  `{"errors":[{"message":"Query has complexity of N, which exceeds max complexity of
  250"}]}`, and no data. Scored by GitLab's rules (app/graphql/types/base_field.rb,
  app/graphql/resolvers/base_resolver.rb): every field 1; a field with a resolver
  adds 1 to its children; a resolver's connection is multiplied by (1 + page size x
  1%), except when it is asked for by iid(s) (then x 1).
- A query nested deeper than 20 fields (15 anonymous): "Query has depth of N, which
  exceeds max depth of 20".
- Errors in the query itself (unknown fields or arguments, undeclared or mistyped
  variables, such as integers for `iids: [String!]`): HTTP 200 with graphql-ruby's
  messages under "errors".

Page size: graphql-ruby caps `first` at the schema's max page size (100 on GitLab)
without an error (GraphQL::Pagination::Connection#limit_pagination_argument): asking
for 500 notes gives 100 and `hasNextPage: true`. A client must follow hasNextPage,
never count on getting what it asked for.

Times are ISO 8601 to the second (Types::TimeType: `value.iso8601`); REST gives
milliseconds. Note ids are global ids, "gid://gitlab/Note/123" (or DiscussionNote for
a note in a thread).
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from triage_emulators.graphql_language import Enum, Field, GraphQLError, Parser, TypeRef, Var

if TYPE_CHECKING:
    from triage_emulators.gitlab import GitLabEmulator

JSON = dict[str, Any]

PATH = "/api/graphql"
MAX_PAGE_SIZE = 100
#: gitlab_schema.rb: DEFAULT_MAX_COMPLEXITY (anonymous) and AUTHENTICATED_COMPLEXITY.
ANONYMOUS_COMPLEXITY = 200
AUTHENTICATED_COMPLEXITY = 250
ANONYMOUS_DEPTH = 15
AUTHENTICATED_DEPTH = 20


# -- the schema: the types and fields the app reads ----------------------------------------


@dataclass(frozen=True)
class _FieldDef:
    type: str  # the named type it returns
    args: dict[str, str] = field(default_factory=dict)  # argument -> GraphQL type
    resolver: bool = False  # backed by a resolver (adds 1, and connections multiply)
    connection: bool = False


_PAGE_ARGS = {"first": "Int", "after": "String", "last": "Int", "before": "String"}

SCHEMA: dict[str, dict[str, _FieldDef]] = {
    "Query": {
        "project": _FieldDef("Project", {"fullPath": "ID!"}, resolver=True),
        "queryComplexity": _FieldDef("QueryComplexity"),
        "currentUser": _FieldDef("UserCore"),
    },
    "QueryComplexity": {"score": _FieldDef("Int"), "limit": _FieldDef("Int")},
    "Project": {
        "id": _FieldDef("ID"),
        "fullPath": _FieldDef("ID"),
        "issues": _FieldDef(
            "IssueConnection",
            {"iids": "[String!]", "iid": "String", "state": "IssuableState", **_PAGE_ARGS},
            resolver=True,
            connection=True,
        ),
    },
    "IssueConnection": {
        "nodes": _FieldDef("Issue"),
        "pageInfo": _FieldDef("PageInfo"),
        "count": _FieldDef("Int"),
    },
    "NoteConnection": {
        "nodes": _FieldDef("Note"),
        "pageInfo": _FieldDef("PageInfo"),
        "count": _FieldDef("Int"),
    },
    "PageInfo": {
        "hasNextPage": _FieldDef("Boolean"),
        "hasPreviousPage": _FieldDef("Boolean"),
        "endCursor": _FieldDef("String"),
        "startCursor": _FieldDef("String"),
    },
    "Issue": {
        "id": _FieldDef("ID"),
        "iid": _FieldDef("String"),
        "title": _FieldDef("String"),
        "state": _FieldDef("IssueState"),
        "updatedAt": _FieldDef("Time"),
        "notes": _FieldDef(
            "NoteConnection", {"filter": "NotesFilterType", **_PAGE_ARGS}, True, True
        ),
    },
    "Note": {
        "id": _FieldDef("ID"),
        "body": _FieldDef("String"),
        "system": _FieldDef("Boolean"),
        "createdAt": _FieldDef("Time"),
        "updatedAt": _FieldDef("Time"),
        "author": _FieldDef("UserCore"),
    },
    "UserCore": {"username": _FieldDef("String"), "name": _FieldDef("String")},
}
_SCALARS = {"Int", "String", "ID", "Boolean", "Time", "IssueState", "IssuableState"}


def _complexity(type_name: str, fields: list[Field], args_of: Any) -> int:
    """GitLab's score for a selection (see the module docstring for the rules)."""
    total = 0
    for selection in fields:
        if selection.name == "__typename":
            total += 1
            continue
        definition = SCHEMA[type_name][selection.name]
        child = (
            _complexity(definition.type, selection.selections, args_of)
            if (definition.type in SCHEMA)
            else 0
        )
        # graphql-ruby: a field's own 1 plus its children's; GitLab's resolver fields
        # add their resolver_complexity (1) to the children's instead: the same sum.
        score = 1 + child
        if definition.resolver and definition.connection:
            # BaseField#connection_complexity_multiplier x BaseResolver.complexity_multiplier
            args = args_of(selection)
            asked = [v for v in (args.get("first"), args.get("last")) if isinstance(v, int)]
            limit = min([*asked, MAX_PAGE_SIZE])
            by_iid = args.get("iid") is not None or args.get("iids") is not None
            score = int(score + score * limit * (0 if by_iid else 0.01))
        total += score
    return total


def _depth(fields: list[Field]) -> int:
    return max((1 + _depth(f.selections) for f in fields), default=0)


def _validate(type_name: str, fields: list[Field], path: list[str]) -> None:
    for selection in fields:
        where = [*path, selection.key]
        if selection.name == "__typename":
            continue
        definition = SCHEMA.get(type_name, {}).get(selection.name)
        if definition is None:
            raise GraphQLError(
                f"Field '{selection.name}' doesn't exist on type '{type_name}'",
                selection.line,
                selection.column,
                code="undefinedField",
                typeName=type_name,
                fieldName=selection.name,
            )
        for arg in selection.args:
            if arg not in definition.args:
                raise GraphQLError(
                    f"Field '{selection.name}' doesn't accept argument '{arg}'",
                    selection.line,
                    selection.column,
                    code="argumentNotAccepted",
                    name=selection.name,
                    typeName="Field",
                    argumentName=arg,
                )
        if definition.type in SCHEMA and not selection.selections:
            raise GraphQLError(
                f"Field must have selections (field '{selection.name}' returns "
                f"{definition.type} but has no selections. Did you mean '{selection.name} "
                "{ ... }'?)",
                selection.line,
                selection.column,
            )
        if definition.type in _SCALARS and selection.selections:
            chosen = ", ".join(s.name for s in selection.selections)
            raise GraphQLError(
                f"Selections can't be made on scalars (field '{selection.name}' returns "
                f"{definition.type} but has selections [{chosen}])",
                selection.line,
                selection.column,
            )
        if definition.type in SCHEMA:
            _validate(definition.type, selection.selections, where)


def _coerce(value: Any, ref: TypeRef, name: str, top: TypeRef | None = None, at: Any = None) -> Any:
    """A variable's JSON value checked against its declared type, as graphql-ruby does."""
    top = top or ref
    path = [] if at is None else [at]
    if value is None:
        if ref.non_null:
            raise GraphQLError(
                f"Variable ${name} of type {top} was provided invalid value",
                value=None,
                problems=[{"path": path, "explanation": "Expected value to not be null"}],
            )
        return None
    if ref.of is not None:
        items = value if isinstance(value, list) else [value]
        return [_coerce(item, ref.of, name, top, n) for n, item in enumerate(items)]
    ok = {
        "Int": isinstance(value, int) and not isinstance(value, bool),
        "String": isinstance(value, str),
        "ID": isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool)),
        "Boolean": isinstance(value, bool),
    }.get(ref.name, isinstance(value, str))
    if not ok:
        where = f" for {at}" if at is not None else ""
        raise GraphQLError(
            f"Variable ${name} of type {top} was provided invalid value{where}",
            value=value,
            problems=[
                {"path": path, "explanation": f"Could not coerce value {value!r} to {ref.name}"}
            ],
        )
    return str(value) if ref.name == "ID" else value


def _check_usage(fields: list[Field], type_name: str, declared: dict[str, TypeRef]) -> None:
    """Every variable a field uses is declared, with the argument's type (named type and
    list-ness; graphql-ruby: "Type mismatch on variable $x and argument y")."""
    for selection in fields:
        definition = SCHEMA.get(type_name, {}).get(selection.name)
        if definition is None:
            continue
        for arg, value in selection.args.items():
            if not isinstance(value, Var):
                continue
            if value.name not in declared:
                raise GraphQLError(
                    f"Variable ${value.name} is used by anonymous query but not declared",
                    selection.line,
                    selection.column,
                    code="variableNotDefined",
                    variableName=value.name,
                )
            wanted, given = definition.args[arg], declared[value.name]
            if _shape(str(given)) != _shape(wanted):
                raise GraphQLError(
                    f"Type mismatch on variable ${value.name} and argument {arg} "
                    f"({given} / {wanted})",
                    selection.line,
                    selection.column,
                    code="variableMismatch",
                )
        if definition.type in SCHEMA:
            _check_usage(selection.selections, definition.type, declared)


def _shape(type_text: str) -> str:
    """A type without its non-null marks: a nullable variable may feed a nullable
    argument, and a non-null one either."""
    return type_text.replace("!", "")


# -- running a query ---------------------------------------------------------------------


def _cursor(key: JSON) -> str:
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode().rstrip("=")


def _after(cursor: Any) -> JSON | None:
    if not isinstance(cursor, str) or not cursor:
        return None
    try:
        return dict(json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))))
    except ValueError as error:
        raise GraphQLError("Please provide a valid cursor") from error


def _time(stamp: str | None) -> str | None:
    """GitLab's Time scalar: `value.iso8601`, whole seconds."""
    if not stamp:
        return None
    moment = datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


class Execution:
    """One request: `run(body)` gives the JSON to send with HTTP 200."""

    def __init__(self, emulator: GitLabEmulator, user: JSON | None) -> None:
        self.emu = emulator
        self.user = user
        self.values: dict[str, Any] = {}
        self.score = 0
        self.limit = AUTHENTICATED_COMPLEXITY if user else ANONYMOUS_COMPLEXITY
        custom = getattr(emulator, "graphql_max_complexity", None)
        if user and isinstance(custom, int):
            self.limit = custom

    def run(self, body: JSON) -> JSON:
        try:
            return {"data": self._run(body)}
        except GraphQLError as error:
            return {"errors": [error.error]}

    def _run(self, body: JSON) -> JSON:
        query = body.get("query")
        if not isinstance(query, str) or not query.strip():
            raise GraphQLError("No query string was present")
        variables = body.get("variables") or {}
        if isinstance(variables, str):
            variables = json.loads(variables or "{}")
        operations = Parser(query).document()
        wanted = body.get("operationName")
        if len(operations) > 1 and not wanted:
            raise GraphQLError("An operation name is required")
        operation = operations[0]
        if operation.kind != "query":
            raise GraphQLError(f"The emulator answers queries only, not a {operation.kind}")
        _validate("Query", operation.selections, [])
        declared = {name: ref for name, (ref, _) in operation.variables.items()}
        _check_usage(operation.selections, "Query", declared)
        for name, (ref, default) in operation.variables.items():
            given = variables.get(name, default)
            self.values[name] = _coerce(given, ref, name)
        depth = _depth(operation.selections)
        max_depth = AUTHENTICATED_DEPTH if self.user else ANONYMOUS_DEPTH
        if depth > max_depth:
            raise GraphQLError(
                f"Query has depth of {depth}, which exceeds max depth of {max_depth}"
            )
        self.score = _complexity("Query", operation.selections, self.args)
        if self.score > self.limit:
            raise GraphQLError(
                f"Query has complexity of {self.score}, which exceeds max complexity of "
                f"{self.limit}"
            )
        return self._select("Query", None, operation.selections)

    def args(self, selection: Field) -> JSON:
        return {k: self._value(v) for k, v in selection.args.items()}

    def _value(self, value: Any) -> Any:
        if isinstance(value, Var):
            return self.values.get(value.name)
        if isinstance(value, list):
            return [self._value(v) for v in value]
        if isinstance(value, Enum):
            return value.value
        return value

    def _select(self, type_name: str, obj: Any, fields: list[Field]) -> JSON:
        out: JSON = {}
        for selection in fields:
            if selection.name == "__typename":
                out[selection.key] = type_name
                continue
            definition = SCHEMA[type_name][selection.name]
            value = self._resolve(type_name, obj, selection)
            if definition.type in SCHEMA and value is not None:
                if isinstance(value, list):
                    value = [self._select(definition.type, v, selection.selections) for v in value]
                else:
                    value = self._select(definition.type, value, selection.selections)
            out[selection.key] = value
        return out

    def _resolve(self, type_name: str, obj: Any, selection: Field) -> Any:
        name, args = selection.name, self.args(selection)
        project = self.emu.project
        if type_name == "Query":
            if name == "project":
                # Private: an anonymous user sees nothing (GitLab answers null, no error).
                visible = self.user is not None
                known = args.get("fullPath") in (project.path, str(project.id))
                return project if visible and known else None
            if name == "queryComplexity":
                return {"score": self.score, "limit": self.limit}
            if name == "currentUser":
                return self.user
        if type_name == "Project":
            if name == "id":
                return f"gid://gitlab/Project/{project.id}"
            if name == "fullPath":
                return project.path
            return self._issues(args)
        if type_name == "Issue":
            return self._issue_field(obj, name, args)
        if type_name == "Note":
            return self._note_field(obj, name)
        if isinstance(obj, dict):
            return obj.get(name)
        return None

    def _issues(self, args: JSON) -> JSON:
        iids = args.get("iids")
        if args.get("iid") is not None:
            iids = [*(iids or []), args["iid"]]
        with self.emu.lock:
            every = self.emu.project.issues
            if iids is None:
                issues = [dict(i) for i in every.values()]
            else:  # (by key: a bulk sync of 10,000 issues must not copy them all each time)
                found = (every.get(int(i)) for i in {str(i) for i in iids} if i.isdigit())
                issues = [dict(i) for i in found if i is not None]
        if state := args.get("state"):
            issues = [i for i in issues if state in ("all", i["state"])]
        # GitLab's default order for a project's issues: created_desc (then id).
        issues.sort(key=lambda i: (i.get("created_at") or "", i["iid"]), reverse=True)
        return self._page(issues, args, key=lambda i: {"iid": i["iid"]}, reverse=True)

    def _page(self, items: list[JSON], args: JSON, key: Any, reverse: bool = False) -> JSON:
        if args.get("last") is not None or args.get("before") is not None:
            raise GraphQLError("The emulator pages forwards only (first/after)")
        start = 0
        if (after := _after(args.get("after"))) is not None:
            keys = [key(item) for item in items]
            start = next((n + 1 for n, k in enumerate(keys) if k == after), len(items))
        first = args.get("first")
        # graphql-ruby: `first` is capped at the max page size, silently.
        size = MAX_PAGE_SIZE if first is None else max(0, min(int(first), MAX_PAGE_SIZE))
        chunk = items[start : start + size]
        return {
            "nodes": chunk,
            "count": len(items),
            "pageInfo": {
                "hasNextPage": start + size < len(items),
                "hasPreviousPage": start > 0,
                "startCursor": _cursor(key(chunk[0])) if chunk else None,
                "endCursor": _cursor(key(chunk[-1])) if chunk else None,
            },
        }

    def _issue_field(self, issue: JSON, name: str, args: JSON) -> Any:
        if name == "id":
            return f"gid://gitlab/Issue/{issue['id']}"
        if name == "iid":
            return str(issue["iid"])
        if name == "updatedAt":
            return _time(issue.get("updated_at"))
        if name == "notes":
            with self.emu.lock:
                notes = [dict(n) for n in self.emu.project.notes.get(issue["iid"], [])]
            # NotesFinder: oldest first.
            notes.sort(key=lambda n: (n["created_at"], n["id"]))
            return self._page(notes, args, key=lambda n: {"id": n["id"]})
        return issue.get(name)

    def _note_field(self, note: JSON, name: str) -> Any:
        if name == "id":
            kind = "DiscussionNote" if note.get("type") == "DiscussionNote" else "Note"
            return f"gid://gitlab/{kind}/{note['id']}"
        if name in ("createdAt", "updatedAt"):
            return _time(note.get("created_at" if name == "createdAt" else "updated_at"))
        return note.get(name)


def answer(
    emulator: GitLabEmulator, token_given: bool, user: JSON | None, body: JSON
) -> tuple[int, JSON]:
    """(HTTP status, JSON body) for a POST to /api/graphql."""
    if token_given and user is None:
        return 401, {"errors": [{"message": "Invalid token"}]}
    return 200, Execution(emulator, user).run(body)
