"""Salesforce accounts and the weekly ER call (a part of TriageService, which
delegates to it)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path

from triage_tui.config import config_path, data_dir
from triage_tui.domain.accounts import Account
from triage_tui.domain.edit import Edit, EditKind, EditState, apply_account_edit
from triage_tui.domain.er_call import (
    DEFAULT_ARR_THRESHOLD,
    ActionKind,
    Agenda,
    CallAction,
    ERCall,
    build_agenda,
    summary_markdown,
)
from triage_tui.domain.health import Health
from triage_tui.domain.issue import Card
from triage_tui.domain.new_issue import NewIssueForm
from triage_tui.services.edits import EditCommands
from triage_tui.services.parts import Parts


class SalesforceWritesOff(Exception):
    """Health cannot be written to this org (a formula field, no edit access...): the
    message says why, from the describe the last full sync made."""


class ERCommands:
    """The ER call's agenda and the fixes a lead makes on it."""

    def __init__(
        self, parts: Parts, edits: EditCommands, *, cards: Callable[[], list[Card]]
    ) -> None:
        """`edits`: where the call's fixes are recorded; `cards`: every card, read."""
        self._cache = parts.cache
        self.user = parts.user
        self.today = parts.today
        self.now = parts.now
        self._settings = parts.settings
        self.outbox = edits.outbox
        self.record = edits.record
        self.cards = cards

    def accounts(self) -> list[Account]:
        """The cached accounts, with the scores written here and not yet in Salesforce
        shown as they will be (like a card's pending edit): a mismatch put right on the
        call leaves the agenda at once, not after the push."""
        waiting = {
            entry.edit.account_id[:15]: entry.edit
            for entry in self.outbox([EditState.PENDING])
            if entry.edit.kind is EditKind.SALESFORCE_HEALTH
        }
        today = self.today()
        return [
            apply_account_edit(a, waiting[a.id[:15]], today) if a.id[:15] in waiting else a
            for a in self._cache().accounts()
        ]

    def agenda(
        self,
        *,
        arr_threshold: float = DEFAULT_ARR_THRESHOLD,
        regions: tuple[str, ...] = (),
        stale_arr_threshold: float = 0.0,
        stale_regions: tuple[str, ...] = (),
        cards: list[Card] | None = None,
        accounts: list[Account] | None = None,
    ) -> Agenda:
        """The ER call's agenda from the cache (GitLab issues and Salesforce accounts).
        `cards`, `accounts`: read already (the board's cards; the ones a change of filter
        reuses), not read again: at 50,000 issues each read is about a second."""
        accounts = accounts if accounts is not None else self.accounts()
        return build_agenda(
            cards if cards is not None else self.cards(),
            accounts,
            self.today(),
            arr_threshold=arr_threshold,
            regions=regions,
            stale_arr_threshold=stale_arr_threshold,
            stale_regions=stale_regions,
            # (A demo, or a cache another person's sync filled, has accounts to check.)
            salesforce=self._settings().salesforce is not None or bool(accounts),
        )

    def salesforce_setup(self) -> str:
        """How to configure Salesforce, where the ER call needs it: short lines (the call's
        list shows each item on lines it does not wrap)."""
        return "\n".join(
            [
                "Salesforce is not configured, so no issue is checked against it.",
                "To configure it:",
                "  1. add a [salesforce] table with your org's instance_url to",
                f"     {config_path()}",
                "     (`triage-tui config example` shows every key);",
                "  2. give credentials: `triage-tui auth salesforce`, or set",
                "     SALESFORCE_USERNAME, SALESFORCE_PASSWORD and",
                "     SALESFORCE_SECURITY_TOKEN in the environment;",
                "  3. sync (s on the board).",
            ]
        )

    # -- the call's record -------------------------------------------------------------------

    def er_call(self, agenda: Agenda | None = None) -> ERCall:
        """The call in progress, or one started now with the agenda's counts as they stand
        (`agenda`: the one with the default filters, when the caller has read it already):
        leaving the screen, a restart or a crash resumes it; only `end_er_call` ends it."""
        calls = self._cache().er_calls
        current = calls.current()
        if current is not None:
            return current
        counts = (agenda if agenda is not None else self.agenda()).counts()
        return calls.start(by=self.user, at=self.now(), counts=counts)

    def current_er_call(self) -> ERCall | None:
        """The call in progress, if one is (a board that may only read starts none)."""
        return self._cache().er_calls.current()

    def er_call_did(self, call: ERCall, kind: ActionKind, text: str, *, iid: int = 0) -> ERCall:
        """Add what was just done to the call's record; the record as it now is."""
        calls = self._cache().er_calls
        calls.record(call.id, CallAction(self.now(), self.user, kind, text, iid))
        return calls.get(call.id) or call

    def end_er_call(self, call: ERCall) -> tuple[ERCall, Path]:
        """End the call and write its summary; (the ended call, where the summary is)."""
        calls = self._cache().er_calls
        calls.end(call.id, self.now())
        ended = calls.get(call.id) or call
        return ended, self.export_er_summary(self.er_summary(ended))

    def er_summary(self, call: ERCall) -> str:
        """The call's record as Markdown, with what the agenda still holds now."""
        return summary_markdown(call, self.agenda(), self.today())

    def form_for_account(self, account: Account) -> NewIssueForm:
        """A new triage issue prefilled from a Salesforce account (the ER call's "missing
        issue" case): template fields, health, region; the person adds the reason."""
        salesforce = self._settings().salesforce
        url = salesforce.instance_url if salesforce is not None else ""
        return NewIssueForm(
            account=account.name,
            salesforce_url=f"{url.rstrip('/') or 'https://login.salesforce.com'}/{account.id}",
            success_plan_url="",
            renewal_date=(
                account.renewal_date.isoformat() if account.renewal_date is not None else ""
            ),
            reason=account.health_reasons,
            health=account.health.label if account.health is not None else "",
            region=account.region,
            tam=account.tam,
        )

    def salesforce_write_problem(self) -> str:
        """Why health cannot be written to Salesforce ("" when it can, or is not known):
        what the last full sync's describe of the Account found."""
        return self._cache().get_meta("salesforce_write_problem")

    def set_salesforce_health(
        self, account: Account, health: Health, reason: str, *, iid: int = 0
    ) -> int:
        """Write a score to Salesforce through the outbox (confirmed today, with the reason
        added as a dated line below the account's reasons); a change made in Salesforce
        since `account` was read becomes a conflict. The same score again confirms it: its
        date is refreshed, so everyone knows it is current. SalesforceWritesOff when the
        org's health field cannot be written."""
        if problem := self.salesforce_write_problem():
            raise SalesforceWritesOff(f"Salesforce writes are off: {problem}.")
        edit = Edit(
            EditKind.SALESFORCE_HEALTH,
            iid,
            uuid.uuid4().hex,
            f"Salesforce {account.name}: {health.label}",
            body=reason.strip(),
            account_id=account.id,
            account_health=health.label,
            unmodified_since=account.last_modified,
            confirmed_on=self.today().isoformat(),
        )
        return self.record(edit)

    def export_er_summary(self, markdown: str) -> Path:
        """Write the ER call's summary next to the user's data; returns where."""
        folder = data_dir() / "er-calls"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"er-call-{self.today().isoformat()}.md"
        path.write_text(markdown, encoding="utf-8")
        return path
