"""The one facade the UI and the headless CLI call.

It owns where the cache is and opens one connection per thread (SQLite
connections are not shared across threads), so a Textual worker thread and the
UI thread never step on each other.
"""

from __future__ import annotations

import gc
import getpass
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from triage_tui.config import Settings, config_path, data_dir
from triage_tui.domain.accounts import DEFAULT_SALESFORCE_FIELDS, Account
from triage_tui.domain.board import BoardKind, Column
from triage_tui.domain.edit import Edit, EditKind, EditState, OutboxEntry
from triage_tui.domain.er_call import DEFAULT_ARR_THRESHOLD, Agenda, build_agenda
from triage_tui.domain.health import Health
from triage_tui.domain.issue import Card, IssueDetail, make_card
from triage_tui.domain.new_issue import NewIssueForm, build_new_issue
from triage_tui.domain.records import LabelInfo, Member, Milestone, Note
from triage_tui.domain.sync_report import PushReport, SyncReport
from triage_tui.domain.team import TriageTeam
from triage_tui.domain.triage import MovePlan, MoveRefused, plan_move, reason_note, review_labels
from triage_tui.store import Cache, CacheInfo
from triage_tui.store.outbox import local_issue
from triage_tui.sync.engine import Progress, pull
from triage_tui.sync.push import push

if TYPE_CHECKING:
    from triage_tui.demo_data import DemoProject
    from triage_tui.sync.gitlab_source import GitLabSource
    from triage_tui.sync.salesforce_source import SalesforceSource


def _today() -> date:
    return datetime.now().date()


class TriageService:
    """Reads (and, later, edits) the triage project through the cache at `cache_path`."""

    def __init__(
        self,
        cache_path: Path,
        *,
        today: Callable[[], date] = _today,
        busy_timeout: float = 5.0,
        settings: Settings | None = None,
        create: bool = False,
        user: str = "",
        mode: int = 0o600,
    ) -> None:
        self.cache_path = cache_path
        self.today = today
        self.busy_timeout = busy_timeout
        self.settings = settings or Settings(cache_path=cache_path)
        self.create = create
        self.mode = mode
        """The cache file's mode: 0o600 private, 0o660 a team cache (see Cache.open)."""
        self.user = user or getpass.getuser()
        """Whose edits these are: each person pushes their own, with their own token."""
        self._local = threading.local()
        self._push_lock = threading.Lock()
        self.salesforce_adapters: dict[str, Any] | None = None
        """Extra transport adapters for Salesforce by URL prefix (tests route the login
        host, which cannot point at loopback, to the emulator)."""
        self._token_ok = False
        # Open once now, on the caller's thread, so a bad cache fails before any UI starts.
        self._cache()

    def _cache(self) -> Cache:
        cache: Cache | None = getattr(self._local, "cache", None)
        if cache is None:
            cache = Cache.open(
                self.cache_path, busy_timeout=self.busy_timeout, create=self.create, mode=self.mode
            )
            self._local.cache = cache
        return cache

    def close(self) -> None:
        cache: Cache | None = getattr(self._local, "cache", None)
        if cache is not None:
            cache.close()
            self._local.cache = None

    def cards(self) -> list[Card]:
        today = self.today()
        # Tens of thousands of small objects that all live on: the collector's passes
        # while they are made find nothing to free and cost ~20% of the load.
        collecting = gc.isenabled()
        gc.disable()
        try:
            return [make_card(summary, today) for summary in self._cache().issue_summaries()]
        finally:
            if collecting:
                gc.enable()

    def detail(self, iid: int) -> IssueDetail | None:
        return self._cache().issue_detail(iid)

    def notes(self, iid: int) -> list[Note]:
        """The issue's notes, newest first; this user's updates not yet on GitLab come
        first, with negative ids (see `pending_note_ids`)."""
        waiting = [
            Note(
                id=-entry.id,
                issue_iid=iid,
                author=entry.author,
                body=entry.edit.body,
                created_at=entry.created_at,
            )
            for entry in reversed(self.outbox())
            if entry.edit.kind is EditKind.NOTE and entry.edit.iid == iid
        ]
        return waiting + self._cache().notes_for(iid)

    def draft(self, iid: int) -> str:
        return self._cache().draft(iid, self.user)

    def save_draft(self, iid: int, body: str) -> None:
        self._cache().save_draft(iid, self.user, body, datetime.now(UTC))

    def post_update(self, iid: int, body: str) -> int:
        """Send a weekly update (through the outbox) and forget its draft."""
        entry = self.add_note(iid, body.strip(), "weekly update")
        self.save_draft(iid, "")
        return entry

    def info(self) -> CacheInfo:
        return self._cache().info()

    def data_version(self) -> int:
        return self._cache().data_version()

    # -- sync -------------------------------------------------------------------------------

    def sync_problem(self) -> str:
        """Why a sync cannot start (empty when it can)."""
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
        if self.info().source == "demo":
            return ""
        if self._token_ok:
            return ""
        source, problem = self._gitlab()
        self._token_ok = source is not None
        if problem:
            return f"Read-only: {problem}"
        return ""

    def push_problem(self) -> str:
        """Why edits cannot be sent now, briefly (empty when they can)."""
        if self.info().source == "demo":
            return "demo data: edits stay on this machine"
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
        return GitLabSource(self.settings.gitlab_url, self.settings.project, token.value), ""

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
        accounts, sf_problem = self._salesforce()
        with self._push_lock:
            pushed = push(source, cache, author=self.user, accounts=accounts)
        holder = f"{self.user}@{socket.gethostname()}:{os.getpid()}"
        busy = cache.take_pull_lease(holder, now)
        if busy:
            return SyncReport(
                full=False, finished_at=now, pushed=pushed, skipped=f"{busy} is syncing"
            )
        try:
            kwargs = {"progress": progress} if progress else {}
            report = pull(source, cache, now=now, full=full, **kwargs)
            if accounts is not None:
                report = replace(report, **self._pull_accounts(accounts, progress))
            elif sf_problem:
                report = replace(report, salesforce_error=sf_problem)
        finally:
            cache.drop_pull_lease(holder)
        if not report.error:  # GitLab's part worked (Salesforce's may not have)
            cache.set_meta(
                source="gitlab",
                source_name=f"{self.settings.project} on {self.settings.gitlab_url}",
            )
        return replace(report, pushed=pushed)

    def _salesforce(self) -> tuple[SalesforceSource | None, str]:
        """The Salesforce adapter, or why there is none ("" when it is not configured:
        Salesforce is optional, the board works on GitLab alone)."""
        settings = self.settings.salesforce
        if settings is None:
            return None, ""
        from triage_tui.sync.credentials import resolve_salesforce_credentials
        from triage_tui.sync.errors import SyncError
        from triage_tui.sync.salesforce_source import SalesforceSource

        credentials = resolve_salesforce_credentials(settings.instance_url)
        if credentials is None:
            return None, (
                "No Salesforce credentials: set SALESFORCE_USERNAME, SALESFORCE_PASSWORD and "
                "SALESFORCE_SECURITY_TOKEN (or SALESFORCE_SESSION_ID) in the environment."
            )
        try:
            return SalesforceSource(settings, credentials, adapters=self.salesforce_adapters), ""
        except SyncError as error:
            return None, str(error)

    def _pull_accounts(self, source: SalesforceSource, progress: Progress | None) -> dict[str, Any]:
        """Every account (a full pass: accounts are few, and this catches deletions)."""
        from triage_tui.sync.errors import describe_salesforce

        found: list[Account] = []
        try:
            for page in source.accounts():
                found += page
                if progress is not None:
                    progress("accounts", len(found), None)
        except Exception as error:  # every failure becomes data, as in the GitLab pull
            return {"salesforce_error": describe_salesforce(error, source.fields)}
        self._cache().store_accounts(found, replace_all=True)
        return {"accounts": len(found)}

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

    # -- edits ------------------------------------------------------------------------------

    def record(self, edit: Edit) -> int:
        """Keep an edit in the outbox and show it on the board at once (pending)."""
        return self._cache().record_edit(edit, author=self.user, now=datetime.now(UTC))

    def update(self, iid: int, summary: str, **changes: Any) -> int:
        """Record a change to an issue's fields (see Edit for their meaning)."""
        return self.record(Edit(EditKind.UPDATE, iid, uuid.uuid4().hex, summary, **changes))

    def add_note(self, iid: int, body: str, summary: str = "note") -> int:
        return self.record(Edit(EditKind.NOTE, iid, uuid.uuid4().hex, summary, body=body))

    def plan_move(self, iid: int, kind: BoardKind, target: Column) -> MovePlan:
        """What dropping issue `iid` into `target` changes (raises MoveRefused)."""
        detail = self.detail(iid)
        if detail is None:
            raise MoveRefused(f"#{iid} is no longer in the cache.")
        return plan_move(
            iid=iid,
            labels=detail.summary.labels,
            state=detail.summary.state,
            kind=kind,
            target=target,
            team=detail.fields.team,
        )

    def move(self, plan: MovePlan, reason: str = "", signals: tuple[str, ...] = ()) -> None:
        """Record a planned move: the label (and state) change, then the reason as a note,
        so the issue's history says why its health changed."""
        self.update(
            plan.iid,
            plan.summary,
            add_labels=plan.add_labels,
            remove_labels=plan.remove_labels,
            state=plan.state,
        )
        if plan.needs_reason and reason.strip():
            self.add_note(plan.iid, reason_note(plan, reason, signals), f"why {plan.summary}")

    def toggle_reviewed(self, iid: int) -> str:
        """Remove ~New (reviewed), or put it back; returns what was done."""
        detail = self.detail(iid)
        if detail is None:
            return ""
        add, remove, summary = review_labels(detail.summary.labels)
        self.update(iid, summary, add_labels=add, remove_labels=remove)
        return summary

    def new_issue(self, form: NewIssueForm) -> int:
        """Open a triage issue from a checked form: shown at once with a local number,
        created on GitLab by the push (with its quarter's milestone, made if missing)."""
        issue = build_new_issue(form)
        cache = self._cache()
        milestones = {m.title: m.id for m in cache.milestones()}
        members = {m.username: m.id for m in cache.members()}
        local = cache.next_local_iid()
        cache.add_local_issue(local_issue(local, issue.title, issue.labels, issue.description))
        self.record(
            Edit(
                EditKind.CREATE,
                local,
                uuid.uuid4().hex,
                f"opened for {issue.title} ({issue.health.label})",
                add_labels=issue.labels,
                title=issue.title,
                description=issue.description,
                milestone=issue.milestone,
                milestone_id=milestones.get(issue.milestone),
                assignees=issue.assignees,
                assignee_ids=tuple(members[a] for a in issue.assignees if a in members),
            )
        )
        return local

    def set_milestone(self, iid: int, title: str) -> int:
        """Set (or, with "", clear) the milestone; one the project lacks is made on push."""
        ids = {m.title: m.id for m in self._cache().milestones()}
        summary = f"milestone {title}" if title else "milestone cleared"
        return self.update(iid, summary, milestone=title, milestone_id=ids.get(title))

    def set_assignees(self, iid: int, usernames: tuple[str, ...]) -> int:
        ids = {m.username: m.id for m in self._cache().members()}
        shown = ", ".join(f"@{u}" for u in usernames) or "nobody"
        return self.update(
            iid,
            f"assignees {shown}",
            assignees=usernames,
            assignee_ids=tuple(ids[u] for u in usernames if u in ids),
        )

    def set_team(self, iid: int, team: TriageTeam, summary: str) -> int:
        """The triage team, into the description's team section and the assignees."""
        ids = {m.username: m.id for m in self._cache().members()}
        people = team.everyone
        return self.update(
            iid,
            summary,
            team=team,
            assignees=people,
            assignee_ids=tuple(ids[u] for u in people if u in ids),
        )

    def set_due_date(self, iid: int, due: date | None) -> int:
        text = due.isoformat() if due else ""
        return self.update(iid, f"due date {text or 'cleared'}", due_date=text)

    def set_labels(self, iid: int, labels: tuple[str, ...]) -> int:
        """Make the issue's labels exactly `labels` (as add and remove, so a label added
        meanwhile on GitLab by someone else survives)."""
        detail = self.detail(iid)
        have = detail.summary.labels if detail else ()
        add = tuple(n for n in labels if n not in have)
        remove = tuple(n for n in have if n not in labels)
        words = [*(f"+{n}" for n in add), *(f"-{n}" for n in remove)]
        return self.update(iid, "labels " + " ".join(words), add_labels=add, remove_labels=remove)

    def milestones(self) -> list[Milestone]:
        return self._cache().milestones()

    def members(self) -> list[Member]:
        return self._cache().members()

    def labels(self) -> list[LabelInfo]:
        return self._cache().labels()

    # -- Salesforce and the ER call ------------------------------------------------------------

    def accounts(self) -> list[Account]:
        return self._cache().accounts()

    def agenda(
        self, *, arr_threshold: float = DEFAULT_ARR_THRESHOLD, regions: tuple[str, ...] = ()
    ) -> Agenda:
        """The ER call's agenda from the cache (GitLab issues and Salesforce accounts)."""
        return build_agenda(
            self.cards(),
            self.accounts(),
            self.today(),
            arr_threshold=arr_threshold,
            regions=regions,
        )

    def form_for_account(self, account: Account) -> NewIssueForm:
        """A new triage issue prefilled from a Salesforce account (the ER call's "missing
        issue" case): template fields, health, region; the person adds the reason."""
        url = self.settings.salesforce.instance_url if self.settings.salesforce else ""
        return NewIssueForm(
            account=account.name,
            salesforce_url=f"{url.rstrip('/') or 'https://login.salesforce.com'}/{account.id}",
            success_plan_url="",
            renewal_date=account.renewal_date.isoformat() if account.renewal_date else "",
            reason=account.health_reasons,
            health=account.health.label if account.health else "",
            region=account.region,
            tam=account.tam,
        )

    def set_salesforce_health(
        self, account: Account, health: Health, reason: str, *, iid: int = 0
    ) -> int:
        """Write a score to Salesforce through the outbox (confirmed today, with the reason);
        a change made in Salesforce since `account` was read becomes a conflict."""
        edit = Edit(
            EditKind.SALESFORCE_HEALTH,
            iid,
            uuid.uuid4().hex,
            f"Salesforce {account.name}: {health.label}",
            body=reason.strip(),
            account_id=account.id,
            account_health=health.label,
            unmodified_since=account.last_modified,
        )
        return self.record(edit)

    def export_er_summary(self, markdown: str, day: date) -> Path:
        """Write the ER call's summary next to the user's data; returns where."""
        folder = data_dir() / "er-calls"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"er-call-{day.isoformat()}.md"
        path.write_text(markdown, encoding="utf-8")
        return path

    def undo_last(self) -> OutboxEntry | None:
        """Take back this user's newest edit that is not on GitLab yet (None when there
        is none: a pushed edit is undone by a new edit)."""
        mine = [e for e in self.outbox() if e.author == self.user]
        if not mine:
            return None
        last = mine[-1]
        self.discard_edit(last.id)
        return last

    def push(self) -> PushReport:
        """Send this user's waiting edits to GitLab. Blocking: call it from a worker."""
        source, problem = self._gitlab()
        if source is None:
            return PushReport(error=problem, waiting=len(self.outbox()))
        accounts, _ = self._salesforce()
        with self._push_lock:  # one push at a time, or an edit could be sent twice
            return push(source, self._cache(), author=self.user, accounts=accounts)

    def outbox(self, states: Iterable[EditState] | None = None) -> list[OutboxEntry]:
        """Edits not yet settled (pending, failed, in conflict), oldest first."""
        return self._cache().outbox_entries(states)

    def retry_edit(self, entry_id: int) -> None:
        self._cache().retry_edit(entry_id)

    def discard_edit(self, entry_id: int) -> None:
        self._cache().discard_edit(entry_id)


def load_project(cache: Cache, project: DemoProject) -> None:
    """Write a whole project, given in GitLab's JSON shapes, through the sync's mapping."""
    from triage_tui.sync import mapping

    with cache.write() as db:
        cache.upsert_issues((mapping.issue_from_gitlab(i) for i in project.issues), db)
        cache.replace_project_meta(
            db,
            labels=[mapping.label_from_gitlab(x) for x in project.labels],
            milestones=[mapping.milestone_from_gitlab(x) for x in project.milestones],
            members=[mapping.member_from_gitlab(x) for x in project.members],
        )
        cache.upsert_notes(
            (
                mapping.note_from_gitlab(n, iid)
                for iid, notes in project.notes.items()
                for n in notes
            ),
            db,
        )


def load_accounts(cache: Cache, records: list[dict[str, Any]]) -> None:
    """Write Salesforce account records (REST JSON, default field names) through the
    Salesforce mapping, as the sync would."""
    from triage_tui.sync.salesforce_mapping import account_from_salesforce

    cache.store_accounts(
        [account_from_salesforce(r, DEFAULT_SALESFORCE_FIELDS) for r in records], replace_all=True
    )


def write_demo_cache(path: Path, *, today: date, count: int = 300, seed: int = 7) -> Path:
    """Write a fresh demo cache at `path` atomically (readers never see half a file)."""
    from triage_tui import demo_data  # only demo runs pay for generating demo data

    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    handle, tmp_name = tempfile.mkstemp(prefix=".demo-", suffix=".db", dir=path.parent)
    os.close(handle)
    tmp = Path(tmp_name)
    try:
        cache = Cache.open(tmp, create=True)
        try:
            project = demo_data.generate(today, count=count, seed=seed)
            load_project(cache, project)
            load_accounts(cache, demo_data.salesforce_accounts(project, today))
            cache.set_meta(
                source="demo",
                source_name=f"demo data ({count} issues)",
                refreshed_at=datetime.now(UTC).isoformat(),
            )
            # Fold the WAL back so the single file is complete before it is moved into place.
            cache.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            cache.close()
        os.replace(tmp, path)
        for suffix in ("-wal", "-shm"):
            Path(f"{tmp}{suffix}").unlink(missing_ok=True)
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path
