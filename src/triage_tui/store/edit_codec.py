"""An Edit as the outbox's JSON payload, and back: built from Edit's fields, so a field
added to Edit is stored with nothing written here (its type says how).

Every payload an earlier version wrote still reads: the keys are the field names, and a
key missing from an old payload takes the field's default.
"""

from __future__ import annotations

import json
import types
import typing
from dataclasses import MISSING, fields
from enum import Enum
from functools import cache
from typing import Any

from triage_tui.domain.edit import Edit
from triage_tui.domain.team import Role, TriageTeam


def edit_json(edit: Edit) -> str:
    return json.dumps({f.name: _encode(getattr(edit, f.name)) for f in fields(Edit)})


def edit_from_json(text: str) -> Edit:
    data = json.loads(text)
    values: dict[str, Any] = {}
    for name, (kind, optional, default) in _fields().items():
        raw = data.get(name)
        if raw is None or (raw == "" and kind is not str):
            # (An old payload's "" state read as none, as it always was.)
            if default is MISSING and not optional:
                raise ValueError(f"An outbox payload without its {name}: {text[:80]!r}")
            values[name] = None if optional else default
        else:
            values[name] = _decode(kind, raw)
    return Edit(**values)


def _encode(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, TriageTeam):
        return {role.value: list(people) for role, people in value.members.items()}
    return value


def _decode(kind: type, raw: Any) -> Any:
    if kind is TriageTeam:
        return TriageTeam.of((Role(name), people) for name, people in raw.items())
    return kind(raw)  # an Enum by its value, a tuple from its list, int, str


@cache
def _fields() -> dict[str, tuple[type, bool, Any]]:
    """Each field's (type to build, may be None, default when absent)."""
    hints = typing.get_type_hints(Edit)
    table: dict[str, tuple[type, bool, Any]] = {}
    for field in fields(Edit):
        hint = hints[field.name]
        optional = False
        if isinstance(hint, types.UnionType):
            args = [a for a in typing.get_args(hint) if a is not type(None)]
            optional, hint = True, args[0]
        kind = typing.get_origin(hint) or hint
        table[field.name] = (kind, optional, field.default)
    return table
