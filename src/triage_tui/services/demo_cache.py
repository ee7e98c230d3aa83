"""Demo caches: a generated project written through the sync's own mapping."""

from __future__ import annotations

import os
import tempfile
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from triage_tui.domain.accounts import DEFAULT_SALESFORCE_FIELDS
from triage_tui.store import Cache

if TYPE_CHECKING:
    from triage_tui.demo_data import DemoProject
    from triage_tui.domain.records import LabelEvent


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


def load_history(cache: Cache, project: DemoProject) -> None:
    """Every issue's health history, read from its label events as the sync reads them."""
    from triage_tui.domain.history import health_changes

    events: dict[int, list[LabelEvent]] = {issue["iid"]: [] for issue in project.issues}
    for event in project.label_events():
        events[event.issue_iid].append(event)
    cache.store_health_history({iid: health_changes(found, []) for iid, found in events.items()})


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
            load_history(cache, project)
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
