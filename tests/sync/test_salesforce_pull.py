"""The Salesforce pull's policy (sync.salesforce_pull), over every case of its inputs: a
full pass when asked, with no cursor, with no full pass yet or one older than FULL_EVERY;
else the accounts changed since the cursor less OVERLAP. (Against the Salesforce
emulator over HTTP: tests/sync/test_salesforce.py.)"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from triage_tui.domain.accounts import Account
from triage_tui.sync.engine import FULL_EVERY, OVERLAP
from triage_tui.sync.salesforce_pull import pull_accounts

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


class Reader:
    fields: Mapping[str, str] = {}

    def __init__(self, accounts: list[Account], fail: bool = False) -> None:
        self.given = accounts
        self.fail = fail
        self.asked: list[datetime | None] = []

    def accounts(self, modified_after: datetime | None = None) -> Iterator[list[Account]]:
        self.asked.append(modified_after)
        if self.fail:
            raise ConnectionError("offline")
        yield self.given


class Sink:
    def __init__(self, meta: dict[str, str]) -> None:
        self.meta = dict(meta)
        self.stored: list[tuple[list[Account], bool]] = []

    def get_meta(self, key: str, default: str = "") -> str:
        return self.meta.get(key) or default

    def set_meta(self, **values: Any) -> None:
        self.meta.update({k: v for k, v in values.items() if v is not None})

    def store_accounts(self, accounts: list[Account], *, replace_all: bool = False) -> None:
        self.stored.append((accounts, replace_all))


def account(n: int, modified: datetime) -> Account:
    stamp = modified.strftime("%Y-%m-%dT%H:%M:%S.000+0000")
    return Account(id=f"001{n:012d}", name=f"Account {n}", health=None, last_modified=stamp)


# Whole seconds: Salesforce's LastModifiedDate has no finer part.
seconds = st.integers(0, int(FULL_EVERY.total_seconds()) * 2).map(lambda s: timedelta(seconds=s))
ages = st.none() | seconds


@settings(deadline=None)
@given(
    asked_full=st.booleans(),
    cursor_age=ages,
    full_age=ages,
    changed=st.lists(seconds, max_size=4),
    fail=st.booleans(),
)
def test_full_or_since_the_cursor_and_the_cursor_moves_to_the_newest(
    asked_full: bool,
    cursor_age: timedelta | None,
    full_age: timedelta | None,
    changed: list[timedelta],
    fail: bool,
) -> None:
    meta = {}
    if cursor_age is not None:
        meta["salesforce_cursor"] = (NOW - cursor_age).isoformat()
    if full_age is not None:
        meta["salesforce_full_at"] = (NOW - full_age).isoformat()
    found = [account(n, NOW - ago) for n, ago in enumerate(changed)]
    reader, sink = Reader(found, fail), Sink(meta)
    pulled = pull_accounts(reader, sink, full=asked_full, now=NOW)
    full = asked_full or cursor_age is None or full_age is None or full_age > FULL_EVERY
    assert pulled.full == full
    assert reader.asked == [None if full else NOW - cursor_age - OVERLAP]  # type: ignore[operator]
    if fail:
        assert pulled.error and not sink.stored and sink.meta == meta  # nothing half-done
        return
    assert sink.stored == [(found, full)]  # a full pass drops accounts no longer there
    assert pulled.accounts == len(found)
    # The cursor: the newest change read, or where it was (never back).
    kept = [NOW - cursor_age] if cursor_age is not None else []
    newest = max([NOW - ago for ago in changed] + kept, default=None)
    cursor = sink.meta.get("salesforce_cursor")
    assert (datetime.fromisoformat(cursor) if cursor is not None else None) == newest
    if full:
        assert sink.meta["salesforce_full_at"] == NOW.isoformat()
    else:
        assert sink.meta.get("salesforce_full_at") == meta.get("salesforce_full_at")
