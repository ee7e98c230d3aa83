"""Salesforce accounts, the system of record for health, and how issues point at them."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType
from urllib.parse import urlsplit

from triage_tui.domain.health import Health
from triage_tui.domain.text import clean_line

#: Logical field -> the Account field's API name in Salesforce, as in the handbook's org.
#: Orgs name custom fields differently; `[salesforce.fields]` in the config overrides them.
DEFAULT_SALESFORCE_FIELDS: Mapping[str, str] = MappingProxyType(
    {
        "id": "Id",
        "name": "Name",
        "health": "Health_Score__c",
        "health_date": "Health_Score_Date__c",
        "health_reasons": "Health_Score_Reasons__c",
        "renewal_date": "Next_Renewal_Date__c",
        "arr": "ARR__c",
        "region": "Region__c",
        "owner": "Account_Owner__c",
        "tam": "TAM__c",
        "last_modified": "LastModifiedDate",
    }
)
#: Fields an org may have and the handbook's does not: set only in `[salesforce.fields]`.
#: `health_note`: a field of its own for the reason the triage gives with a score; without
#: it, the reason is added below what the health score reasons field already holds.
OPTIONAL_SALESFORCE_FIELDS: frozenset[str] = frozenset({"health_note"})
# API names go into SOQL verbatim: only plain names (and one relationship hop) pass.
API_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)?")

#: Salesforce record ids: 15 or 18 characters; Account ids start with "001".
_ACCOUNT_ID = re.compile(r"(001[A-Za-z0-9]{12}(?:[A-Za-z0-9]{3})?)")


@dataclass(frozen=True, slots=True)
class Account:
    """A Salesforce account as the sync brings it, every text field already cleaned."""

    id: str
    name: str
    health: Health | None = None
    health_date: date | None = None
    """When the score was last confirmed (refreshed after every customer call)."""
    health_reasons: str = ""
    renewal_date: date | None = None
    arr: float | None = None
    region: str = ""
    owner: str = ""
    tam: str = ""
    last_modified: str = ""
    """Salesforce's LastModifiedDate, sent back as If-Unmodified-Since on a write."""
    pending: bool = False
    """A score written here that Salesforce does not have yet (shown as it will be)."""


@dataclass(frozen=True, slots=True)
class AccountScore:
    """What a card shows of its issue's Salesforce account, read with the card (matched
    by the first 15 characters of the id, as `same_account`)."""

    health: Health | None
    """Salesforce's score; None when the account has none ("no score")."""
    health_date: date | None
    """When the score was last confirmed."""
    arr: float | None


def account_id_from_url(url: str) -> str | None:
    """The account id in a Salesforce URL, in the forms people paste:
    https://acme.my.salesforce.com/0015g00000AbCdE,
    https://acme.lightning.force.com/lightning/r/Account/0015g00000AbCdEAAZ/view."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if not parts.netloc:
        return None
    for segment in reversed([s for s in parts.path.split("/") if s]):
        if match := _ACCOUNT_ID.fullmatch(segment):
            return match.group(1)
    return None


def same_account(a: str, b: str) -> bool:
    """15- and 18-character forms of one id are the same account (the 18 adds a checksum)."""
    return a[:15] == b[:15]


def reason_line(day: date, author: str, reason: str) -> str:
    """A reason as it goes to Salesforce with a score: one line, dated, saying where it came
    from ("2026-12-02 (GitLab triage, @alice): lost their champion")."""
    who = f", @{clean_line(author).lstrip('@')}" if clean_line(author) else ""
    return f"{day.isoformat()} (GitLab triage{who}): {clean_line(reason)}"


def with_reason(existing: str, line: str) -> str:
    """`existing` (a reasons field as Salesforce holds it: often the link to the running
    call notes) kept whole, with `line` below it, in the line ends it already uses."""
    if not existing:
        return line
    newline = "\r\n" if "\r\n" in existing else "\n"
    return existing + line if existing.endswith(("\n", "\r")) else existing + newline + line


def holds_reason(text: str, line: str) -> bool:
    """`line` is one of the lines of `text` (compared as cleaned: Salesforce's text is read
    back through clean_text), so a write whose answer was lost is not made twice."""
    wanted = clean_line(line)
    return any(clean_line(part) == wanted for part in text.splitlines())
