"""What a sync did, or why it failed: data, never an exception."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any


def counted(count: int, thing: str) -> str:
    """ "1 issue", "2 issues", "0 issues"."""
    return f"{count} {thing}" if count == 1 else f"{count} {thing}s"


#: A pull's phases, in order, as its progress reports them: the issues, then the notes of
#: the open ones, then the notes of the closed ones, then the health history (label events).
ISSUES, NOTES, CLOSED_NOTES = "issues", "notes", "closed notes"
HISTORY = "history"
#: Not a phase of its own: GitLab's rate limit holds the sync, (seconds left, of how many).
RATE_LIMIT = "rate limit"


def progress_text(phase: str, done: int, total: int | None) -> str:
    """A sync's progress in words: "issues 1200", "notes 40/310", "waiting 12 s for
    GitLab's rate limit"."""
    if phase == RATE_LIMIT:
        return f"waiting {done} s for GitLab's rate limit"
    return f"{phase} {done}{f'/{total}' if total else ''}"


def waited_text(seconds: float) -> str:
    """ "waited 12 s for GitLab's rate limit" ("" under half a second)."""
    if seconds < 0.5:
        return ""
    if seconds < 120:
        return f"waited {round(seconds)} s for GitLab's rate limit"
    return f"waited {round(seconds / 60)} min for GitLab's rate limit"


@dataclass(frozen=True, slots=True)
class SyncReport:
    full: bool
    issues: int = 0
    """Issues read from GitLab: every one a full pass lists, and an incremental pull's
    overlap window re-reads some it already had."""
    changed: int = 0
    """Of those, the ones new to the cache or changed since it had them."""
    notes_of: int = 0
    history_of: int = 0
    """Issues whose health history (label events) this pull read."""
    removed: int = 0
    cursor: datetime | None = None
    error: str = ""
    finished_at: datetime | None = None
    pushed: PushReport | None = None
    """The push of local edits that ran before the pull."""
    skipped: str = ""
    """Why the pull did not run (another process on a shared cache was pulling)."""
    accounts: int = 0
    """Salesforce accounts read (when Salesforce is configured)."""
    salesforce_error: str = ""
    salesforce_calls: int = 0
    """REST API requests this sync made to Salesforce (they count toward a daily limit)."""
    salesforce_usage: tuple[int, int] | None = None
    """(used, allowed) API requests in the org today, as Salesforce last said."""
    salesforce_unmapped: tuple[tuple[str, int], ...] = ()
    """Health values read that mean no colour, with how many accounts have each."""
    salesforce_notes: tuple[str, ...] = ()
    """What a person should know about the Salesforce sign-in (a retiring SOAP login)."""

    @property
    def salesforce_warning(self) -> str:
        """The Salesforce data a person should fix (unmapped health values), or ""."""
        if not self.salesforce_unmapped:
            return ""
        values = ", ".join(
            f'"{value}" ({counted(count, "account")})' for value, count in self.salesforce_unmapped
        )
        return (
            f"Salesforce health values that mean no colour: {values}; map each to Green, "
            "Yellow, Amber or Red under [salesforce.health_values] in the config file"
        )

    def salesforce_summary(self) -> str:
        """ "Salesforce: 3 API calls (12,040 of 15,000 used today)", or "" with none."""
        if not self.salesforce_calls and self.salesforce_usage is None:
            return ""
        text = f"Salesforce: {counted(self.salesforce_calls, 'API call')}"
        if self.salesforce_usage is not None:
            used, allowed = self.salesforce_usage
            text += f" ({used:,} of {allowed:,} used today)"
        return text

    waited: float = 0.0
    """Seconds GitLab's rate limit held the sync (push and pull)."""

    @property
    def ok(self) -> bool:
        return not self.error and not self.salesforce_error

    def to_json(self) -> str:
        """One line, for the sync child process to hand its report to the board."""
        data = {
            "full": self.full,
            "issues": self.issues,
            "changed": self.changed,
            "notes_of": self.notes_of,
            "history_of": self.history_of,
            "removed": self.removed,
            "error": self.error,
            "finished_at": (self.finished_at.isoformat() if self.finished_at is not None else None),
            "skipped": self.skipped,
            "pushed": asdict(self.pushed) if self.pushed else None,
            "accounts": self.accounts,
            "salesforce_error": self.salesforce_error,
            "salesforce_calls": self.salesforce_calls,
            "salesforce_usage": (
                list(self.salesforce_usage) if self.salesforce_usage is not None else None
            ),
            "salesforce_unmapped": [list(pair) for pair in self.salesforce_unmapped],
            "salesforce_notes": list(self.salesforce_notes),
            "waited": self.waited,
        }
        return json.dumps(data)

    @classmethod
    def from_json(cls, text: str) -> SyncReport:
        data = json.loads(text)
        finished = data.get("finished_at")
        pushed = data.get("pushed")
        usage = data.get("salesforce_usage")
        return cls(
            full=bool(data.get("full")),
            issues=int(data.get("issues") or 0),
            changed=int(data.get("changed") or 0),
            notes_of=int(data.get("notes_of") or 0),
            history_of=int(data.get("history_of") or 0),
            removed=int(data.get("removed") or 0),
            error=str(data.get("error") or ""),
            finished_at=datetime.fromisoformat(finished) if finished else None,
            skipped=str(data.get("skipped") or ""),
            pushed=_push_report(pushed) if pushed else None,
            accounts=int(data.get("accounts") or 0),
            salesforce_error=str(data.get("salesforce_error") or ""),
            salesforce_calls=int(data.get("salesforce_calls") or 0),
            salesforce_usage=(int(usage[0]), int(usage[1])) if usage else None,
            salesforce_unmapped=tuple(
                (str(value), int(count)) for value, count in data.get("salesforce_unmapped") or ()
            ),
            salesforce_notes=tuple(str(note) for note in data.get("salesforce_notes") or ()),
            waited=float(data.get("waited") or 0.0),
        )

    def summary(self) -> str:
        pushed = f"; {self.pushed.summary()}" if self.pushed else ""
        if self.accounts:
            pushed += f"; {counted(self.accounts, 'Salesforce account')}"
        if self.salesforce_error:
            pushed += f"; Salesforce: {self.salesforce_error}"
        for extra in (self.salesforce_warning, *self.salesforce_notes, self.salesforce_summary()):
            pushed += f"; {extra}" if extra else ""
        if waited := waited_text(self.waited):
            pushed += f"; {waited}"
        if self.error:
            return self.error + pushed
        if self.skipped:
            return f"not pulled: {self.skipped}" + pushed
        kind = "full sync" if self.full else "sync"
        # What changed, not what was read: every pull re-reads its overlap window, and
        # "3 issues updated" after a quiet hour would send people looking for changes.
        if self.changed:
            text = f"{kind}: {counted(self.changed, 'issue')} changed"
            if self.issues > self.changed:
                text += f" ({self.issues} re-read)"
        else:
            text = f"{kind}: {'no issue' if self.removed else 'nothing'} changed"
            if self.issues:
                text += f" ({counted(self.issues, 'issue')} re-read)"
        if self.notes_of:
            text += f", notes of {self.notes_of}"
        return text + (f", {self.removed} removed" if self.removed else "") + pushed


def _push_report(data: dict[str, Any]) -> PushReport:
    touched = data.get("touched", ())
    return PushReport(**{**data, "touched": tuple(touched) if touched is not None else None})


@dataclass(frozen=True, slots=True)
class PushReport:
    """What a push of the outbox did."""

    pushed: int = 0
    failed: int = 0
    conflicts: int = 0
    waiting: int = 0
    """Edits left pending by a transient failure (retried later)."""
    error: str = ""
    touched: tuple[int, ...] | None = ()
    """The issues whose cards the push may have changed (an edit of theirs was sent,
    refused or deferred); None: not these alone (an issue was created, so its number
    changed, or a Salesforce score was written, which every card of the account shows)."""
    busy: str = ""
    """Who else is pushing from this cache ("user@host:pid"): the `waiting` edits are
    theirs to send, or ours to try again once they stop (not an error)."""

    @property
    def ok(self) -> bool:
        return not self.error

    def summary(self) -> str:
        parts = [f"{counted(self.pushed, 'edit')} pushed"] if self.pushed else []
        if self.failed:
            parts.append(f"{self.failed} rejected by GitLab")
        if self.conflicts:
            parts.append(f"{self.conflicts} in conflict")
        if self.error:
            parts.append(f"{self.waiting} waiting: {self.error}")
        elif self.busy:
            parts.append(f"{self.waiting} waiting: {self.busy} is pushing")
        return ", ".join(parts) or "no edits to push"


def retry_delay(attempts: int) -> float:
    """Seconds before retrying a push that failed `attempts` times in a row: 5 s doubling
    to 5 minutes, so an offline app does not hammer GitLab and recovers soon after."""
    return float(min(300, 5 * 2 ** max(0, attempts - 1)))
