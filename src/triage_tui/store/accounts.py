"""Salesforce accounts in the cache: what the ER call checks GitLab against."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from triage_tui.domain.accounts import Account
from triage_tui.domain.health import Health
from triage_tui.store.issues import _iso
from triage_tui.store.part import Part

if TYPE_CHECKING:
    pass


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def account_row(account: Account) -> dict[str, Any]:
    return {
        "id": account.id,
        "id15": account.id[:15],  # what issues find it by (schema._v7)
        "name": account.name,
        "health": account.health.label if account.health is not None else None,
        "health_date": _iso(account.health_date),
        "health_reasons": account.health_reasons,
        "renewal_date": _iso(account.renewal_date),
        "arr": account.arr,
        "region": account.region,
        "owner": account.owner,
        "tam": account.tam,
        "last_modified": account.last_modified,
    }


_COLUMNS = (
    "id, name, health, health_date, health_reasons, renewal_date, arr, region, owner, tam, "
    "last_modified"
)


def _account(row: tuple[Any, ...]) -> Account:
    return Account(
        id=row[0],
        name=row[1] or "",
        health=Health.parse(row[2]) if row[2] is not None else None,
        health_date=_day(row[3]),
        health_reasons=row[4] or "",
        renewal_date=_day(row[5]),
        arr=row[6],
        region=row[7] or "",
        owner=row[8] or "",
        tam=row[9] or "",
        last_modified=row[10] or "",
    )


class AccountTables(Part):
    """The Salesforce accounts (a part of Cache)."""

    def store_accounts(self, accounts: list[Account], *, replace_all: bool = False) -> None:
        """Write accounts; `replace_all` (a full pass) drops the ones Salesforce no longer
        lists."""
        with self.write() as db:
            if replace_all:
                db.execute("DELETE FROM accounts")
            if accounts:
                db.table("accounts").upsert_all([account_row(a) for a in accounts], pk="id")

    def accounts(self) -> list[Account]:
        return [_account(r) for r in self.conn.execute(f"SELECT {_COLUMNS} FROM accounts")]

    def account(self, account_id: str) -> Account | None:
        row = self.conn.execute(
            f"SELECT {_COLUMNS} FROM accounts WHERE id15 = ?", [account_id[:15]]
        ).fetchone()
        return _account(row) if row else None
