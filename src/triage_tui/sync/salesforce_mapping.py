"""Salesforce Account records to and from the domain's Account: pure, never raising.

Orgs name their custom fields differently, so every function takes the logical
name -> API name mapping from the settings. Values are read defensively: a
picklist value nobody expected ("Purple"), a date typed into a text field, or
a missing field becomes None or "" for that field, and the account still syncs.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from email.utils import format_datetime
from typing import Any

from triage_tui.domain.accounts import (
    API_NAME,
    DEFAULT_SALESFORCE_FIELDS,
    OPTIONAL_SALESFORCE_FIELDS,
    Account,
    with_reason,
)
from triage_tui.domain.health import Health
from triage_tui.domain.labels import Region
from triage_tui.domain.soql import filter_problem
from triage_tui.domain.text import clean_line, clean_text

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def checked_fields(fields: Mapping[str, str]) -> dict[str, str]:
    """The defaults overlaid with `fields` (an optional field only when set); ValueError
    naming a key that is unknown or whose value is not an API name (it would otherwise be
    pasted into SOQL)."""
    merged = dict(DEFAULT_SALESFORCE_FIELDS)
    for key, value in fields.items():
        if key not in DEFAULT_SALESFORCE_FIELDS and key not in OPTIONAL_SALESFORCE_FIELDS:
            raise ValueError(f"unknown Salesforce field setting `{key}`")
        if not isinstance(value, str) or not API_NAME.fullmatch(value):
            raise ValueError(f"Salesforce field setting `{key}` is not an API name: {value!r}")
        merged[key] = value
    return merged


def _value(record: Mapping[str, Any], api_name: str) -> Any:
    """A field's value; "Owner.Name" follows the relationship object Salesforce nests."""
    value: Any = record
    for part in api_name.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and math.isfinite(value):
        return f"{value:g}" if isinstance(value, float) else str(value)
    return ""


def _date(value: Any) -> date | None:
    """A Salesforce date ("2026-11-24"; a datetime's day also passes), else None."""
    if not isinstance(value, str) or not _DATE.match(value.strip()):
        return None
    try:
        return date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value.replace(",", "").strip())
        except ValueError:
            return None
    if isinstance(value, int | float) and math.isfinite(value):
        return float(value)
    return None


def _region(value: Any) -> str:
    text = clean_line(_text(value))
    region = Region.parse(text) or Region.parse(text.replace(" ", "-"))
    return region.label if region is not None else text


def health_from_salesforce(value: Any, values: Mapping[str, str] | None = None) -> Health | None:
    """The colour an org's health value means: through `values` (the org's value -> a
    colour label, `[salesforce.health_values]`; exact first, then ignoring case and
    spaces), else the four names themselves. None for anything else."""
    if not isinstance(value, str):
        return None
    table = values or {}
    colour = table.get(value)
    if colour is None:
        folded = value.strip().casefold()
        colour = next((c for v, c in table.items() if v.strip().casefold() == folded), None)
    return Health.parse(colour if colour is not None else value)


def health_to_salesforce(health: Health, values: Mapping[str, str] | None = None) -> str:
    """The org's value for a colour: the first in `values` that means it, else its label."""
    return next(
        (v for v, colour in (values or {}).items() if Health.parse(colour) is health),
        health.label,
    )


def unmapped_health(
    record: Mapping[str, Any], fields: Mapping[str, str], values: Mapping[str, str] | None
) -> str | None:
    """The record's health value when it is set but means no colour (reported, never
    silently read as "no score"); None when it is empty or maps."""
    names = {**DEFAULT_SALESFORCE_FIELDS, **fields}
    raw = _value(record, names["health"]) if isinstance(record, Mapping) else None
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if health_from_salesforce(raw, values) is not None:
        return None
    return clean_line(raw if isinstance(raw, str) else repr(raw))[:80]


def account_from_salesforce(
    record: Mapping[str, Any],
    fields: Mapping[str, str],
    health_values: Mapping[str, str] | None = None,
) -> Account:
    """An Account from a REST record (query row or sobject GET). Never raises: a value of
    the wrong type or spelling maps to None/"" so one bad account cannot stop a sync.
    `health_values` maps the org's own health values (see health_from_salesforce)."""
    names = {**DEFAULT_SALESFORCE_FIELDS, **fields}

    def get(key: str) -> Any:
        return _value(record, names[key]) if isinstance(record, Mapping) else None

    return Account(
        id=clean_line(_text(get("id"))),
        name=clean_line(_text(get("name"))),
        health=health_from_salesforce(get("health"), health_values),
        health_date=_date(get("health_date")),
        health_reasons=clean_text(_text(get("health_reasons"))).strip(),
        renewal_date=_date(get("renewal_date")),
        arr=_number(get("arr")),
        region=_region(get("region")),
        owner=clean_line(_text(get("owner"))),
        tam=clean_line(_text(get("tam"))).lstrip("@"),
        last_modified=clean_line(_text(get("last_modified"))),
    )


def soql_datetime(moment: datetime) -> str:
    """A SOQL datetime literal (UTC, unquoted); a naive datetime is taken as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def accounts_soql(
    fields: Mapping[str, str],
    modified_after: datetime | None = None,
    account_filter: str = "",
    *,
    account_id: str = "",
) -> str:
    """The query for every account (or those changed since `modified_after`, inclusive: a
    change in the same second as the watermark is read again rather than missed), of
    those `account_filter` (a SOQL condition, checked: ValueError) chooses. The filter
    goes in parentheses, ANDed with the sync's own condition, so an OR in it cannot
    widen what an incremental read brings. `account_id`: that one account only."""
    names = checked_fields(fields)
    # (Not the optional fields: only a write uses them, and it reads the account first.)
    selected = ", ".join(dict.fromkeys(names[key] for key in DEFAULT_SALESFORCE_FIELDS))
    conditions: list[str] = []
    if account_filter.strip():
        if problem := filter_problem(account_filter):
            raise ValueError(f"the account filter cannot be used: {problem}")
        conditions.append(f"({account_filter.strip()})")
    if modified_after is not None:
        conditions.append(f"{names['last_modified']} >= {soql_datetime(modified_after)}")
    if account_id:
        if not re.fullmatch(r"[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?", account_id):
            raise ValueError(f"not a record id: {account_id[:40]!r}")
        conditions = [f"{names['id']} = '{account_id}'"]
    soql = f"SELECT {selected} FROM Account"
    if conditions:
        soql += " WHERE " + " AND ".join(conditions)
    return soql + f" ORDER BY {names['last_modified']}"


def health_update(
    fields: Mapping[str, str],
    health: Health,
    health_date: date,
    reason: str,
    current: Mapping[str, Any],
    *,
    health_values: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The PATCH body for a health change: the score (as the org spells it, see
    health_to_salesforce), the date it was confirmed, and the why (`reason`, one dated
    line: domain.accounts.reason_line).

    The health score reasons field holds what people put there, often the link to the
    running call notes: the line goes below its text as `current` (the account as just
    read, raw) has it, never over it. An org that names a field of its own for the reason
    (`health_note`) gets the line there, and its reasons field is left alone."""
    names = checked_fields(fields)
    body: dict[str, Any] = {
        names["health"]: health_to_salesforce(health, health_values),
        names["health_date"]: health_date.isoformat(),
    }
    note = names.get("health_note")
    if note is not None:
        body[note] = reason
    else:
        existing = _value(current, names["health_reasons"])
        body[names["health_reasons"]] = with_reason(
            existing if isinstance(existing, str) else "", reason
        )
    return body


def written_reason(fields: Mapping[str, str], record: Mapping[str, Any]) -> str:
    """The text the reason line is written into (health_note when named, else the
    health score reasons), cleaned as everything read from Salesforce is."""
    names = checked_fields(fields)
    value = _value(record, names.get("health_note") or names["health_reasons"])
    return clean_text(_text(value))


def parse_salesforce_datetime(text: str) -> datetime | None:
    """Salesforce's "2026-11-24T09:00:00.000+0000" (or ISO with Z), aware; else None."""
    cleaned = text.strip().replace("Z", "+00:00")
    if re.search(r"[+-]\d{4}$", cleaned):
        cleaned = f"{cleaned[:-2]}:{cleaned[-2:]}"
    try:
        moment = datetime.fromisoformat(cleaned)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def http_date(last_modified: str) -> str | None:
    """LastModifiedDate as an HTTP date for If-Unmodified-Since (whole seconds, GMT)."""
    moment = parse_salesforce_datetime(last_modified)
    if moment is None:
        return None
    return format_datetime(moment.astimezone(UTC).replace(microsecond=0), usegmt=True)
