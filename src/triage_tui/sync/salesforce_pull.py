"""The Salesforce pull: accounts into the cache by the same policy as GitLab's pull
(sync.engine): every account on a full pass (with GitLab's, or once FULL_EVERY has
passed), which also drops those Salesforce no longer has; otherwise only those changed
since the last read (by LastModifiedDate), less OVERLAP for the two clocks."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from triage_tui.domain.accounts import Account
from triage_tui.sync.engine import FULL_EVERY, OVERLAP, Progress
from triage_tui.sync.errors import describe_salesforce
from triage_tui.sync.salesforce_mapping import parse_salesforce_datetime


class AccountReader(Protocol):
    @property
    def fields(self) -> Mapping[str, str]: ...
    def accounts(self, modified_after: datetime | None = None) -> Iterable[list[Account]]: ...


class AccountSink(Protocol):
    def get_meta(self, key: str, default: str = "") -> str: ...
    def set_meta(self, **values: Any) -> None: ...
    def store_accounts(self, accounts: list[Account], *, replace_all: bool = False) -> None: ...


@dataclass(frozen=True, slots=True)
class AccountPull:
    accounts: int = 0
    """Accounts read (all of them on a full pass)."""
    full: bool = False
    error: str = ""
    """Why the pull failed, said for a person (nothing was stored then)."""


def _stamp(text: str) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def pull_accounts(
    source: AccountReader,
    sink: AccountSink,
    *,
    full: bool,
    now: datetime,
    progress: Progress | None = None,
) -> AccountPull:
    """Read the accounts `source` has changed (all of them when `full`, or when the last
    full pass is older than FULL_EVERY) into `sink`. Never raises for Salesforce's
    trouble: see AccountPull.error."""
    cursor = _stamp(sink.get_meta("salesforce_cursor"))
    full_at = _stamp(sink.get_meta("salesforce_full_at"))
    full = full or cursor is None or full_at is None or now - full_at > FULL_EVERY
    since = None if full or cursor is None else cursor - OVERLAP
    found: list[Account] = []
    try:
        for page in source.accounts(modified_after=since):
            found += page
            if progress is not None:
                progress("accounts", len(found), None)
    except Exception as error:  # every failure becomes data, as in the GitLab pull
        return AccountPull(full=full, error=describe_salesforce(error, source.fields))
    sink.store_accounts(found, replace_all=full)
    stamps = [parse_salesforce_datetime(a.last_modified) for a in found]
    newest = max([s for s in stamps if s is not None] + ([cursor] if cursor else []), default=None)
    sink.set_meta(
        salesforce_cursor=newest.isoformat() if newest else None,
        **({"salesforce_full_at": now.isoformat()} if full else {}),
    )
    return AccountPull(accounts=len(found), full=full)
