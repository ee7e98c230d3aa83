"""The one facade the UI and the headless CLI call.

It owns where the cache is and opens one connection per thread (SQLite
connections are not shared across threads), so a Textual worker thread and the
UI thread never step on each other.
"""

from __future__ import annotations

import gc
import getpass
import json
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from triage_tui.config import Settings, config_path, with_source
from triage_tui.domain.board import Board, BoardKind, first_screen
from triage_tui.domain.edit import EditKind
from triage_tui.domain.history import HealthChange
from triage_tui.domain.issue import Card, IssueDetail, make_card
from triage_tui.domain.records import Note
from triage_tui.domain.sync_report import RATE_LIMIT, SyncReport
from triage_tui.domain.weekly import bot_names
from triage_tui.services.holders import holder_gone, this_holder
from triage_tui.store import Cache, CacheInfo
from triage_tui.store.health import check_pages, reading, write_problem
from triage_tui.sync.engine import Progress, pull

if TYPE_CHECKING:
    from triage_tui.sync.gitlab_source import GitLabSource
    from triage_tui.sync.salesforce_source import SalesforceSource


from triage_tui.services.edits import EditCommands
from triage_tui.services.er_call import ERCommands
from triage_tui.services.parts import Parts


def _vocabulary_key(settings: Settings) -> str:
    """What the cache notes of the `[labels]` table its labels were read through ("" for
    none, as a cache from before the table has it)."""
    pairs = settings.labels.pairs
    return json.dumps(pairs) if pairs else ""


def _same_source(one: tuple[str, str], other: tuple[str, str]) -> bool:
    """The same GitLab and project: URLs without a trailing slash, and project paths
    ignoring case, as GitLab looks them up (Customer-Success/Account-Triage is
    customer-success/account-triage)."""
    return (one[0].rstrip("/"), one[1].casefold()) == (other[0].rstrip("/"), other[1].casefold())


def _today() -> date:
    return datetime.now().date()


def _now() -> datetime:
    return datetime.now(UTC)


class TriageService:
    """Reads and edits the triage project through the cache at `cache_path`: reads here,
    edits in its EditCommands part, the ER call in its ERCommands part (delegated to
    below, so the UI and the CLI call one object)."""

    def __init__(
        self,
        cache_path: Path,
        *,
        today: Callable[[], date] = _today,
        now: Callable[[], datetime] = _now,
        busy_timeout: float = 5.0,
        settings: Settings | None = None,
        create: bool = False,
        user: str = "",
        mode: int = 0o600,
        read_only: str = "",
    ) -> None:
        self.cache_path = cache_path
        self.read_only = read_only
        """Why this board neither edits nor syncs, whatever the cache and tokens allow
        (a browser viewer of `triage-tui serve` without the edit link); empty if not."""
        self.today = today
        self.now = now
        """The clock of what a person does (edits, the ER call's record); frozen in tests."""
        self.busy_timeout = busy_timeout
        self.settings = settings or Settings(cache_path=cache_path)
        self.create = create
        self.mode = mode
        """The cache file's mode: 0o600 private, 0o660 a team cache (see Cache.open)."""
        self.user = user or getpass.getuser()
        """Whose edits these are: each person pushes their own, with their own token."""
        self._local = threading.local()
        self._build_parts()
        self.salesforce_adapters: dict[str, Any] | None = None
        """Extra transport adapters for Salesforce by URL prefix (tests route the login
        host, which cannot point at loopback, to the emulator)."""
        self._token_ok = False
        # Open once now, on the caller's thread, so a bad cache fails before any UI starts.
        info = self._cache().info()
        # A synced cache knows where it came from: opened again without --gitlab-url and
        # --project, it syncs (and takes edits) as before instead of being read-only.
        self.settings = with_source(self.settings, info.gitlab_url, info.project)

    def _build_parts(self) -> None:
        """The edit and ER-call parts, and the facade's one-line delegates to them."""
        # Late-bound (the lambdas): the parts see the clock, settings and cards the service
        # has when asked (a test sets service.today, or wraps service.cards, afterwards).
        parts = Parts(
            cache=self._cache,
            user=self.user,
            today=lambda: self.today(),  # noqa: PLW0108
            now=lambda: self.now(),  # noqa: PLW0108
            settings=lambda: self.settings,
        )
        self.edits = EditCommands(parts, gitlab=self._gitlab, salesforce=self._salesforce)
        self.calls = ERCommands(parts, self.edits, cards=lambda: self.cards())  # noqa: PLW0108
        # -- edits (see EditCommands)
        self.record = self.edits.record
        self.update = self.edits.update
        self.add_note = self.edits.add_note
        self.plan_move = self.edits.plan_move
        self.decide_move = self.edits.decide_move
        self.move = self.edits.move
        self.toggle_reviewed = self.edits.toggle_reviewed
        self.new_issue = self.edits.new_issue
        self.set_milestone = self.edits.set_milestone
        self.set_assignees = self.edits.set_assignees
        self.set_team = self.edits.set_team
        self.set_due_date = self.edits.set_due_date
        self.set_labels = self.edits.set_labels
        self.milestones = self.edits.milestones
        self.members = self.edits.members
        self.labels = self.edits.labels
        self.undo_last = self.edits.undo_last
        self.push = self.edits.push
        self.outbox = self.edits.outbox
        self.outbox_counts = self.edits.outbox_counts
        self.retry_edit = self.edits.retry_edit
        self.discard_edit = self.edits.discard_edit
        # -- Salesforce accounts and the ER call (see ERCommands)
        self.accounts = self.calls.accounts
        self.agenda = self.calls.agenda
        self.salesforce_setup = self.calls.salesforce_setup
        self.er_call = self.calls.er_call
        self.current_er_call = self.calls.current_er_call
        self.er_call_did = self.calls.er_call_did
        self.end_er_call = self.calls.end_er_call
        self.er_summary = self.calls.er_summary
        self.form_for_account = self.calls.form_for_account
        self.salesforce_write_problem = self.calls.salesforce_write_problem
        self.set_salesforce_health = self.calls.set_salesforce_health
        self.export_er_summary = self.calls.export_er_summary

    def _cache(self) -> Cache:
        cache: Cache | None = getattr(self._local, "cache", None)
        if cache is None:
            cache = Cache.open(
                self.cache_path,
                busy_timeout=self.busy_timeout,
                create=self.create,
                mode=self.mode,
                bots=self.settings.bots,
            )
            self._local.cache = cache
        return cache

    def close(self) -> None:
        cache: Cache | None = getattr(self._local, "cache", None)
        if cache is not None:
            cache.close()
            self._local.cache = None

    def cards(
        self, *, include_closed: bool = True, stop: Callable[[], bool] | None = None
    ) -> list[Card]:
        """Every card (or the open ones). `stop` is asked between batches: a load nobody
        waits for any more (the person quit, or asked again) ends early, with what it has."""
        today = self.today()
        # Tens of thousands of small objects that all live on: the collector's passes
        # while they are made find nothing to free and cost ~20% of the load.
        collecting = gc.isenabled()
        gc.disable()
        try:
            with reading(self.cache_path):
                return self._cards(include_closed, stop, today)
        finally:
            if collecting:
                gc.enable()

    def _cards(
        self, include_closed: bool, stop: Callable[[], bool] | None, today: date
    ) -> list[Card]:
        cards: list[Card] = []
        for batch in self._cache().issue_summaries(include_closed=include_closed):
            cards.extend([make_card(summary, today) for summary in batch])
            if stop is not None and stop():
                break
        return cards

    def card(self, iid: int) -> Card | None:
        """Issue `iid`'s card as the cache has it now (None: not in it)."""
        summary = self._cache().issue_summary(iid)
        return make_card(summary, self.today()) if summary is not None else None

    def first_screen(self, kind: BoardKind, per_column: int) -> Board:
        """The open-issue board with only each column's first `per_column` cards read (the
        counts are whole): a board of any size paints this at once; `cards` brings the rest."""
        today = self.today()
        with reading(self.cache_path):
            counts, heads = self._cache().first_screen(kind, per_column)
        cards = {key: [make_card(s, today) for s in summaries] for key, summaries in heads.items()}
        return first_screen(kind, counts, cards)

    def fetch_notes(self, iid: int) -> str:
        """Read issue `iid`'s notes from GitLab into the cache now: the updates pane shows
        the latest even while a first sync is still fetching every issue's notes, or
        before the next sync. Blocking: call it from a worker. Why not ("" when read)."""
        from triage_tui.sync.errors import describe

        if self.info().source == "demo":
            return ""
        source, problem = self._gitlab()
        if source is None:
            return problem
        try:
            notes = source.notes(iid)
        except Exception as error:  # shown, never raised: the cached notes still show
            return describe(error, source.url)
        self._cache().store_notes(notes)
        return ""

    def detail(self, iid: int) -> IssueDetail | None:
        return self._cache().issue_detail(iid)

    def health_history(self, iid: int) -> list[HealthChange]:
        """The issue's health changes, newest first, as the last sync read them from
        GitLab's label events (the cache only: works offline)."""
        return self._cache().health_history(iid)

    def notes(self, iid: int) -> list[Note]:
        """The issue's notes, newest first; this user's updates not yet on GitLab come
        first, with negative ids (the outbox entry's, negated)."""
        waiting = [
            Note(
                id=-entry.id,
                issue_iid=iid,
                author=entry.author,
                body=entry.edit.body or entry.edit.note,
                created_at=entry.created_at,
            )
            for entry in reversed(self.outbox())
            if entry.edit.iid == iid and (entry.edit.kind is EditKind.NOTE or entry.edit.note)
        ]
        return waiting + self._cache().notes_for(iid)

    @property
    def bots(self) -> frozenset[str]:
        """The configured bots, as domain.weekly.is_bot takes them."""
        return bot_names(self.settings.bots)

    def draft(self, iid: int) -> str:
        return self._cache().draft(iid, self.user)

    def save_draft(self, iid: int, body: str) -> None:
        self._cache().save_draft(iid, self.user, body, self.now())

    def post_update(self, iid: int, body: str) -> int:
        """Send a weekly update (through the outbox) and forget its draft. The draft goes
        first: were the note's write refused after it, the text is still on screen to
        post again; the other way round, a refused second write left the draft of a note
        already sent, to be posted twice."""
        self.save_draft(iid, "")
        return self.add_note(iid, body.strip(), "weekly update")

    def info(self) -> CacheInfo:
        return self._cache().info()

    def data_version(self) -> int:
        return self._cache().data_version()

    def commit_counts(self) -> tuple[int, int]:
        """(commits to the cache by every process, by this one): see Cache.commit_counts."""
        return self._cache().commit_counts()

    # -- sync -------------------------------------------------------------------------------

    def source_mismatch(self, info: CacheInfo | None = None) -> str:
        """What the settings sync with, when that is not the project this cache was
        synced from ("" when it is, or the cache knows none): its cursor and issues are
        the other project's, so the person should know before a sync mixes the two.
        `info`: the cache's, when the caller has just read it."""
        info = info if info is not None else self.info()
        if not (info.gitlab_url and info.project) or info.source == "demo":
            return ""
        ours = (self.settings.gitlab_url, self.settings.project)
        if _same_source(ours, (info.gitlab_url, info.project)):
            return ""
        where = f"{ours[1] or 'no project'} on {ours[0] or 'no GitLab'}"
        return f"settings name {where}, not this cache's source"

    def sync_problem(self) -> str:
        """Why a sync cannot start (empty when it can)."""
        if self.read_only:
            return self.read_only
        if self.info().source == "demo":
            return "This is demo data: there is no GitLab to sync with."
        if not (self.settings.gitlab_url and self.settings.project):
            return (
                "No GitLab project configured: set gitlab_url and project in "
                f"{config_path()} or pass --gitlab-url and --project."
            )
        return ""

    def edit_problem(self) -> str:
        """Why this person cannot make edits (empty when they can). Demo edits stay
        local; on a real cache an edit needs this person's own token, so GitLab
        attributes it to them."""
        if self.read_only:
            return self.read_only
        if self.info().source == "demo":
            return ""
        cannot_write = write_problem(self.cache_path)
        if cannot_write:
            return f"Read-only: {cannot_write}"
        if self._token_ok:
            return ""
        source, problem = self._gitlab()
        self._token_ok = source is not None
        if problem:
            return f"Read-only: {problem}"
        return ""

    def push_problem(self) -> str:
        """Why edits cannot be sent now, briefly (empty when they can)."""
        if self.read_only:
            return self.read_only
        if self.info().source == "demo":
            return "demo data: edits are not sent, and the demo starts afresh each time"
        return self.sync_problem()

    def _gitlab(self) -> tuple[GitLabSource | None, str]:
        """The GitLab adapter with this user's token, or why there is none."""
        from triage_tui.sync.credentials import CredentialError, resolve_token
        from triage_tui.sync.gitlab_source import GitLabSource

        problem = self.sync_problem()
        if problem:
            return None, problem
        try:
            token = resolve_token(self.settings.gitlab_url, config_path().parent)
        except CredentialError as error:
            return None, str(error)
        if token is None:
            return None, "No GitLab token: set GITLAB_TOKEN or run `triage-tui auth login`."
        source = GitLabSource(
            self.settings.gitlab_url,
            self.settings.project,
            token.value,
            graphql=self.settings.graphql,
            vocabulary=self.settings.labels,
        )
        return source, ""

    def sync(self, *, full: bool | None = None, progress: Progress | None = None) -> SyncReport:
        """Push this user's waiting edits, then pull from GitLab into the cache. Blocking:
        call it from a worker thread. Never raises for network, auth or server trouble:
        see `report.error`. On a shared cache only one process pulls at a time; the
        others push their own edits and read what it brings."""
        now = datetime.now(UTC)
        source, problem = self._gitlab()
        if source is None:
            return SyncReport(full=False, error=problem, finished_at=now)
        cache = self._cache()
        check_pages(cache.conn, self.cache_path)  # (raises CacheDamaged: said, not half-done)
        if progress is not None:
            report_wait = progress

            def waiting(left: int, of: int) -> None:
                report_wait(RATE_LIMIT, left, of)

            source.rate.on_wait = waiting
        accounts, sf_problem = self._salesforce()
        pushed = self.edits.send_edits(source, cache, accounts)
        holder = this_holder(self.user)
        busy = cache.take_lease("pull", holder, now, gone=holder_gone)
        if busy:
            return SyncReport(
                full=False,
                finished_at=now,
                pushed=pushed,
                skipped=f"{busy} is syncing",
                waited=source.rate.waited,
            )
        # The cache holds labels as the board's words, read through [labels]: read through
        # another table, an issue no one edited since would keep the old reading (its
        # `triage::new` a plain label, say). A changed table is read afresh, in full.
        read_with = _vocabulary_key(self.settings)
        if cache.get_meta("labels_read_with") != read_with:
            full = True
        try:
            kwargs = {"progress": progress} if progress else {}
            report = pull(source, cache, now=now, full=full, **kwargs)
            if accounts is not None:
                pulled = self._pull_accounts(accounts, progress, full=report.full, now=now)
                report = replace(report, **pulled)
            elif sf_problem:
                report = replace(report, salesforce_error=sf_problem)
        finally:
            cache.drop_lease("pull", holder)
        if not report.error:  # GitLab's part worked (Salesforce's may not have)
            cache.set_meta(
                source="gitlab",
                source_name=f"{self.settings.project} on {self.settings.gitlab_url}",
                gitlab_url=self.settings.gitlab_url,
                project=self.settings.project,
                labels_read_with=read_with,
            )
        return replace(report, pushed=pushed, waited=source.rate.waited)

    def _salesforce(self) -> tuple[SalesforceSource | None, str]:
        """The Salesforce adapter, or why there is none ("" when it is not configured:
        Salesforce is optional, the board works on GitLab alone)."""
        settings = self.settings.salesforce
        if settings is None:
            return None, ""
        from triage_tui.services.salesforce_setup import salesforce_source

        return salesforce_source(settings, adapters=self.salesforce_adapters)

    def _pull_accounts(
        self, source: SalesforceSource, progress: Progress | None, *, full: bool, now: datetime
    ) -> dict[str, Any]:
        """The accounts changed since the last read (sync.salesforce_pull has the policy),
        then, on a full pass or changed field settings, whether scores can be written."""
        from triage_tui.sync.salesforce_pull import pull_accounts

        cache = self._cache()
        pulled = pull_accounts(source, cache, full=full, now=now, progress=progress)
        if pulled.error:
            return {"salesforce_error": pulled.error, **_salesforce_counts(source)}
        notes: tuple[str, ...] = ()
        # Checked for these settings: a changed [salesforce.fields] is checked at once.
        checked_for = json.dumps([source.fields, source.health_values], sort_keys=True)
        if pulled.full or cache.get_meta("salesforce_writes_checked_for") != checked_for:
            notes = self._check_salesforce_writes(source, checked_for)
        counts = _salesforce_counts(source)
        return {
            **counts,
            "accounts": pulled.accounts,
            "salesforce_notes": counts["salesforce_notes"] + notes,
        }

    def _check_salesforce_writes(
        self, source: SalesforceSource, checked_for: str
    ) -> tuple[str, ...]:
        """Describe the Account (on a full pass, daily, and when the field settings
        changed) and keep why health cannot be written there, if it cannot: the ER call
        then says so instead of queueing an edit that would fail at the push. A failed
        describe changes nothing (the next sync tries again)."""
        from triage_tui.sync.salesforce_schema import field_checks, lookup_targets, write_problem

        try:
            account = source.describe("Account")
            related = {
                rel: source.describe(target)
                for rel, target in lookup_targets(account, source.fields).items()
            }
        except Exception:  # the accounts were read; the check waits for the next pass
            return ()
        problem = write_problem(field_checks(account, related, source.fields, source.health_values))
        self._cache().set_meta(
            salesforce_write_problem=problem, salesforce_writes_checked_for=checked_for
        )
        return (f"Salesforce writes are off: {problem}",) if problem else ()

    def sync_in_child(self, *, progress: Progress | None = None) -> SyncReport:
        """`sync`, run by `triage-tui sync` in a child process: the board's event loop then
        shares no GIL with 10,000 issues of JSON and mapping (in a thread, those stalled
        it 100-200 ms at a time). Blocking: call it from a worker thread. The token is
        not passed: the child finds it as this process would (environment, config, keyring)."""
        argv = [sys.executable, "-m", "triage_tui", "--cache", str(self.cache_path)]
        if self.settings.gitlab_url:
            argv += ["--gitlab-url", self.settings.gitlab_url]
        if self.settings.project:
            argv += ["--project", self.settings.project]
        argv += ["sync", "--json"]
        now = datetime.now(UTC)
        try:
            child = subprocess.Popen(
                argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
            )
        except OSError as error:
            return SyncReport(full=False, error=f"Cannot start the sync: {error}", finished_at=now)
        report: SyncReport | None = None
        assert child.stdout is not None
        for line in child.stdout:
            try:
                data = json.loads(line)
            except ValueError:
                continue
            if "report" in data:
                report = SyncReport.from_json(data["report"])
            elif progress is not None:
                progress(str(data.get("phase")), int(data.get("done") or 0), data.get("total"))
        errors = child.stderr.read() if child.stderr else ""
        child.wait()
        if report is None:
            last = errors.strip().splitlines()[-1:] or [f"exit code {child.returncode}"]
            return SyncReport(
                full=False, error=f"The sync stopped: {last[0][:200]}", finished_at=now
            )
        return report


def _salesforce_counts(source: SalesforceSource) -> dict[str, Any]:
    """What the report says of the Salesforce side besides the accounts: the API calls
    made and the org's usage, health values that mean no colour, sign-in notes."""
    return {
        "salesforce_calls": source.api_calls,
        "salesforce_usage": source.api_usage,
        "salesforce_unmapped": tuple(
            sorted(source.unmapped_health.items(), key=lambda pair: (-pair[1], pair[0]))
        ),
        "salesforce_notes": tuple(source.notes),
    }
