"""What an org's Account describe says of the configured fields: pure, never raising.

Run at setup (`triage-tui config check`) and on every full sync, so that a field
that does not exist, a health field Salesforce computes (a formula or roll-up:
`calculated`) or that this user cannot write (`updateable` false), and health
picklist values that mean no colour are said plainly before anything is pushed,
instead of failing at the push.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from triage_tui.domain.health import Health
from triage_tui.sync.salesforce_mapping import health_from_salesforce, health_to_salesforce

#: The fields a health change writes.
WRITTEN = ("health", "health_date", "health_reasons")

Describe = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Check:
    """One line of `config check`: ok (with a note, maybe) or a problem in plain words."""

    name: str
    problem: str = ""
    note: str = ""
    writes: bool = False
    """A problem here stops health being written to Salesforce."""

    @property
    def ok(self) -> bool:
        return not self.problem

    def line(self) -> str:
        if self.problem:
            return f"{self.name}: problem: {self.problem}"
        return f"{self.name}: ok" + (f" ({self.note})" if self.note else "")


def _fields(described: Describe) -> list[Mapping[str, Any]]:
    fields = described.get("fields")
    return [f for f in fields if isinstance(f, Mapping)] if isinstance(fields, list) else []


def _field(described: Describe, name: str) -> Mapping[str, Any] | None:
    wanted = name.lower()
    return next((f for f in _fields(described) if str(f.get("name", "")).lower() == wanted), None)


def lookup_targets(described: Describe, fields: Mapping[str, str]) -> dict[str, str]:
    """Relationship name -> the sobject it points at, for each `Rel.Field` configured
    whose relationship the Account has (the objects to describe as well)."""
    targets: dict[str, str] = {}
    for api_name in fields.values():
        if "." not in api_name:
            continue
        relationship = api_name.split(".", 1)[0]
        found = _relationship(described, relationship)
        refers = found.get("referenceTo") if found is not None else None
        if isinstance(refers, list) and refers:
            targets[relationship] = str(refers[0])
    return targets


def _relationship(described: Describe, relationship: str) -> Mapping[str, Any] | None:
    wanted = relationship.lower()
    return next(
        (f for f in _fields(described) if str(f.get("relationshipName") or "").lower() == wanted),
        None,
    )


def _field_check(
    key: str, api_name: str, account: Describe, related: Mapping[str, Describe]
) -> Check:
    name = f"Salesforce field {key} = {api_name}"
    if "." not in api_name:
        if _field(account, api_name) is None:
            return Check(
                name,
                f"the Account has no field {api_name}: set `{key}` under [salesforce.fields] "
                "to your org's API name for it",
            )
        return Check(name)
    relationship, field = api_name.split(".", 1)
    lookup = _relationship(account, relationship)
    if lookup is None:
        return Check(
            name,
            f"the Account has no lookup named {relationship} (a lookup is read through its "
            "relationship name: Owner for OwnerId, TAM__r for a custom TAM__c)",
        )
    refers = lookup.get("referenceTo") or ["?"]
    target = str(refers[0])
    described = related.get(relationship)
    if described is not None and _field(described, field) is None:
        return Check(name, f"{target}, which {relationship} points at, has no field {field}")
    return Check(name, note=f"the {target}'s {field}")


def _write_check(key: str, api_name: str, account: Describe) -> Check | None:
    """None when the field is missing (said by its field check) or writable."""
    name = f"Salesforce writes {key} ({api_name})"
    if "." in api_name:
        return Check(
            name,
            f"{api_name} is a field of another record: health is written to the "
            "Account's own fields",
        )
    field = _field(account, api_name)
    if field is None:
        return None
    if field.get("calculated"):
        return Check(
            name,
            f"{api_name} is a formula or roll-up field: Salesforce computes it, so health "
            "changes cannot be written (writes are off)",
        )
    if field.get("updateable") is False:
        return Check(
            name,
            f"{api_name} cannot be changed by this Salesforce user (not updateable): "
            "writes are off until an admin gives it edit access",
        )
    return Check(name)


def _picklist_checks(api_name: str, account: Describe, values: Mapping[str, str]) -> list[Check]:
    field = _field(account, api_name)
    if field is None or field.get("type") != "picklist":
        return []
    entries = [
        e
        for e in field.get("picklistValues") or []
        if isinstance(e, Mapping) and e.get("active", True) and isinstance(e.get("value"), str)
    ]
    checks = []
    unmapped = []
    for entry in entries:
        value, label = str(entry["value"]), str(entry.get("label") or entry["value"])
        if health_from_salesforce(value, values) is None:
            hint = f" (its label is {label!r})" if label != value else ""
            unmapped.append(f'"{value}"{hint}')
    name = f"Salesforce health values of {api_name}"
    if unmapped:
        checks.append(
            Check(
                name,
                f"{', '.join(unmapped)} mean no colour: map each to Green, Yellow, Amber or "
                "Red under [salesforce.health_values]",
            )
        )
    else:
        checks.append(Check(name, note=f"{len(entries)} values, each a colour"))
    if field.get("restrictedPicklist"):
        known = {str(e["value"]) for e in entries}
        for health in Health:
            written = health_to_salesforce(health, values)
            if written not in known:
                checks.append(
                    Check(
                        f"Salesforce writes {health.label} to {api_name}",
                        f'it would send "{written}", which the picklist does not have: map '
                        f"the org's value for {health.label} under [salesforce.health_values]",
                        writes=True,
                    )
                )
    return checks


def field_checks(
    account: Describe,
    related: Mapping[str, Describe],
    fields: Mapping[str, str],
    health_values: Mapping[str, str],
) -> list[Check]:
    """Every configured field exists (a lookup's relationship and the field it reads),
    the written ones can be written, and the health picklist's values map to colours.
    `related`: relationship name -> the describe of the object it points at."""
    checks = [
        replace(_field_check(key, api, account, related), writes=key in WRITTEN)
        for key, api in fields.items()
    ]
    for key in WRITTEN:
        if (check := _write_check(key, fields[key], account)) is not None:
            checks.append(replace(check, writes=True))
    return checks + _picklist_checks(fields["health"], account, health_values)


def write_problem(checks: list[Check]) -> str:
    """Why health cannot be written to Salesforce ("" when it can): the first problem
    with a written field (missing, computed, not updateable, a value the picklist
    refuses)."""
    return next((c.problem for c in checks if c.problem and c.writes), "")
