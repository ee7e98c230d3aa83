"""The triage team: the roles that own an account until renewal (handbook rule 4)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum


class Role(Enum):
    """Team roles, in the handbook's order. The value is how the description spells it."""

    ACCOUNT_OWNER = "Account Owner"
    TAM = "TAM"
    TAM_LEADER = "TAM Leader"
    CS_LEADER = "CS Manager / Director"
    REGIONAL_SALES_MANAGER = "Regional Sales Manager"
    SOLUTIONS_ARCHITECT = "Solutions Architect"
    PS_ENGINEER = "Professional Services Engineer"
    EXECUTIVE_SPONSOR = "Executive Sponsor"
    PRODUCT_MANAGERS = "Product Managers"

    @property
    def allows_several(self) -> bool:
        return self is Role.PRODUCT_MANAGERS


#: Other spellings people type when they hand-edit the section in GitLab's web UI.
ROLE_ALIASES: dict[str, Role] = {
    "account owner": Role.ACCOUNT_OWNER,
    "owner": Role.ACCOUNT_OWNER,
    "tam": Role.TAM,
    "technical account manager": Role.TAM,
    "tam leader": Role.TAM_LEADER,
    "tam lead": Role.TAM_LEADER,
    "cs manager / director": Role.CS_LEADER,
    "cs manager/director": Role.CS_LEADER,
    "manager of customer experience": Role.CS_LEADER,
    "director of customer success": Role.CS_LEADER,
    "cs director": Role.CS_LEADER,
    "regional sales manager": Role.REGIONAL_SALES_MANAGER,
    "rsm": Role.REGIONAL_SALES_MANAGER,
    "solutions architect": Role.SOLUTIONS_ARCHITECT,
    "sa": Role.SOLUTIONS_ARCHITECT,
    "professional services engineer": Role.PS_ENGINEER,
    "pse": Role.PS_ENGINEER,
    "executive sponsor": Role.EXECUTIVE_SPONSOR,
    "product managers": Role.PRODUCT_MANAGERS,
    "product manager(s)": Role.PRODUCT_MANAGERS,
    "product manager": Role.PRODUCT_MANAGERS,
}

#: Roles the process requires on every triage issue.
REQUIRED_ROLES: tuple[Role, ...] = (Role.ACCOUNT_OWNER, Role.TAM, Role.EXECUTIVE_SPONSOR)

_SEPARATORS = re.compile(r"[,;\s]+")
_PERSON = re.compile(r"@?([A-Za-z0-9_.][A-Za-z0-9_.\-]*)")


def _unemphasize(token: str) -> str:
    """Drop Markdown bold, italics and code around a mention ("**@a**", "_@a_", "`@a`").

    Underscores go only as a pair around the token: a GitLab username may end in one
    ("@bob_"), and that one is part of the name.
    """
    token = token.strip("*`")
    opening = len(token) - len(token.lstrip("_"))
    if opening and token.endswith("_" * opening):
        token = token[opening:-opening]
    return token


def parse_people(text: str) -> tuple[str, ...]:
    """Usernames from "@alice, @bob" (also "alice bob", "@alice and @bob"); dashes mean none."""
    people: list[str] = []
    for token in _SEPARATORS.split(text.strip()):
        if token.lower() in ("", "and", "&", "-", "--", "—", "n/a", "none", "tbd", "_none_"):
            continue
        match = _PERSON.fullmatch(_unemphasize(token))
        if match and match.group(1) not in people:
            people.append(match.group(1))
    return tuple(people)


@dataclass(frozen=True, slots=True)
class TriageTeam:
    """Who holds each role. A role with no one is absent from `members`."""

    members: Mapping[Role, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def of(cls, pairs: Iterable[tuple[Role, Iterable[str]]]) -> TriageTeam:
        members: dict[Role, tuple[str, ...]] = {}
        for role, people in pairs:
            names = tuple(dict.fromkeys(people))
            if names:
                members[role] = names if role.allows_several else names[:1]
        return cls({role: members[role] for role in Role if role in members})

    def people(self, role: Role) -> tuple[str, ...]:
        return self.members.get(role, ())

    def first(self, role: Role) -> str | None:
        people = self.people(role)
        return people[0] if people else None

    def with_role(self, role: Role, people: Iterable[str]) -> TriageTeam:
        pairs = [(r, p) for r, p in self.members.items() if r is not role]
        pairs.append((role, tuple(people)))
        return TriageTeam.of(pairs)

    @property
    def everyone(self) -> tuple[str, ...]:
        """Every person on the team, once, in role order (the issue's assignees)."""
        return tuple(dict.fromkeys(p for people in self.members.values() for p in people))

    @property
    def has_leader(self) -> bool:
        """A TAM leader or CS manager/director: required on a Red account."""
        return bool(self.people(Role.TAM_LEADER) or self.people(Role.CS_LEADER))

    def missing_roles(self) -> tuple[str, ...]:
        """Required roles with nobody in them, by name, in the handbook's order (a missing
        leader comes after the account owner and TAM, before the executive sponsor)."""
        missing = [(role, role.value) for role in REQUIRED_ROLES if not self.people(role)]
        if not self.has_leader:
            missing.append((Role.TAM_LEADER, "TAM Leader or CS Manager / Director"))
        order = list(Role)
        return tuple(name for role, name in sorted(missing, key=lambda m: order.index(m[0])))

    def __bool__(self) -> bool:
        return bool(self.members)


def not_members(people: Iterable[str], members: Iterable[str]) -> tuple[str, ...]:
    """Those of `people` who are not among `members` (GitLab usernames, compared without
    case, as GitLab does), once each, in order. None when no members are known (a demo,
    a sync not done yet): with nothing to tell by, nobody is flagged."""
    known = {member.lower() for member in members}
    if not known:
        return ()
    return tuple(p for p in dict.fromkeys(people) if p.lower() not in known)
