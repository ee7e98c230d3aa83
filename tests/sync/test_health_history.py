"""Health history from GitLab's resource label events: the emulator answers as GitLab
documents it (real python-gitlab over HTTP), and the sync pulls it, incrementally."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import gitlab
import gitlab.exceptions
import pytest

from tests.conftest import TOKEN
from tests.emulated import synced
from triage_emulators.gitlab import GitLabEmulator
from triage_tui.config import Settings
from triage_tui.domain.board import BoardKind, Column
from triage_tui.domain.health import Health
from triage_tui.domain.history import UNKNOWN
from triage_tui.services import TriageService

AMBER = Column("Amber", "Amber", (), health=Health.AMBER)
YELLOW = Column("Yellow", "Yellow", (), health=Health.YELLOW)
GREEN = Column("Green", "Green", (), health=Health.GREEN)


class Clock:
    """The emulator's clock, moved on by hand: GitLab stamps each change when made."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock(emu: GitLabEmulator) -> Iterator[Clock]:
    # After the demo's timestamps (relative to TODAY at noon), as the `emu` fixture's.
    ticking = Clock(datetime(2026, 11, 25, 9, 0, tzinfo=UTC))
    emu.clock = ticking
    yield ticking


def red_open_issue(emu: GitLabEmulator) -> int:
    return next(
        iid
        for iid, issue in sorted(emu.project.issues.items())
        if issue["labels"][:1] == ["Red"] and issue["state"] == "opened"
    )


def swap(emu: GitLabEmulator, iid: int, old: str, new: str, username: str = "root") -> None:
    """In the web UI: label `old` swapped for `new`, the other labels kept."""
    labels = [new if name == old else name for name in emu.issue(iid)["labels"]]
    emu.relabel(iid, labels, username=username)


def events_requested(emu: GitLabEmulator) -> list[int]:
    return [
        int(path.split("/issues/")[1].split("/")[0])
        for method, path in emu.requests
        if method == "GET" and path.endswith("/resource_label_events")
    ]


# -- the emulator, as GitLab's docs say ------------------------------------------------------


def test_label_events_list_as_gitlab_documents(emu: GitLabEmulator) -> None:
    """doc/api/resource_label_events.md, "List project issue label events": each event
    has id, user (id, name, username, state, avatar_url, web_url), created_at,
    resource_type "Issue", resource_id (the issue's global id), label (id, name, color,
    description) and action "add" or "remove"; paginated as every list."""
    iid = red_open_issue(emu)
    swap(emu, iid, "Red", "Amber", username="liam")
    gl = gitlab.Gitlab(emu.url, private_token=TOKEN)
    issue = gl.projects.get(emu.project.path, lazy=True).issues.get(iid)
    events = [e.asdict() for e in issue.resourcelabelevents.list(get_all=True)]
    # Opened with its labels (the demo's), then Red swapped for Amber: one moment.
    assert {(e["label"]["name"], e["action"]) for e in events[-2:]} == {
        ("Red", "remove"),
        ("Amber", "add"),
    }
    assert events[-1]["created_at"] == events[-2]["created_at"]
    last = events[-1]
    assert set(last) == {
        "id",
        "user",
        "created_at",
        "resource_type",
        "resource_id",
        "label",
        "action",
    }
    assert last["resource_type"] == "Issue" and last["resource_id"] == emu.issue(iid)["id"]
    assert {"id", "name", "username", "state", "avatar_url", "web_url"} <= set(last["user"])
    assert last["user"]["username"] == "liam"
    assert set(last["label"]) == {"id", "name", "color", "description"}
    assert last["label"]["color"].startswith("#")
    # Paginated: two a page, every page followed (python-gitlab reads X-Next-Page / Link).
    paged = issue.resourcelabelevents.list(per_page=2, iterator=True)
    assert [e.id for e in paged] == [e["id"] for e in events]
    assert paged.total == len(events)
    # "Get single issue label event".
    one = issue.resourcelabelevents.get(last["id"])
    assert one.asdict() == last


def test_label_events_refuse_what_gitlab_refuses(emu: GitLabEmulator) -> None:
    """An issue the project lacks: 404 Issue Not Found (find_noteable); an event id not
    among the issue's: 404. A deleted label stays in the list as `"label": null`."""
    iid = red_open_issue(emu)
    gl = gitlab.Gitlab(emu.url, private_token=TOKEN)
    project = gl.projects.get(emu.project.path, lazy=True)
    with pytest.raises(gitlab.exceptions.GitlabListError) as missing:
        project.issues.get(99_999, lazy=True).resourcelabelevents.list(get_all=True)
    assert missing.value.response_code == 404
    assert "Issue Not Found" in str(missing.value)
    with pytest.raises(gitlab.exceptions.GitlabGetError) as no_event:
        project.issues.get(iid, lazy=True).resourcelabelevents.get(1)
    assert no_event.value.response_code == 404
    emu.delete_label("Red")
    events = project.issues.get(iid, lazy=True).resourcelabelevents.list(get_all=True)
    assert any(e.label is None for e in events)


# -- the sync --------------------------------------------------------------------------------


def test_every_colour_and_no_health_is_pulled_with_reasons(
    emu: GitLabEmulator, clock: Clock, tmp_path: Path
) -> None:
    """Moves through the app (each with its reason note, pushed), then the label taken
    off in the web UI: the history, newest first, says each colour, who, and why."""
    later = date(2026, 12, 29)  # the board's today, after the changes below
    config = Settings(gitlab_url=emu.url, project=emu.project.path, cache_path=tmp_path / "c.db")
    service = TriageService(config.cache_path, settings=config, create=True, today=lambda: later)
    assert service.sync().ok
    iid = red_open_issue(emu)
    opened = emu.issue(iid)["created_at"]
    reasons = {
        AMBER: "Champion is back.",
        YELLOW: "Adoption up <b>[bold]x[/]</b>.",
        GREEN: "Renewed early.",
    }
    for target, why in reasons.items():
        clock.advance(days=8)
        service.move(service.plan_move(iid, BoardKind.COLOURS, target), why, ())
        assert service.push().pushed == 1
    clock.advance(days=8)
    emu.relabel(iid, [n for n in emu.issue(iid)["labels"] if n != "Green"], username="mia")
    assert service.sync().ok
    history = service.health_history(iid)
    assert [(c.health, c.reason) for c in history] == [
        (None, None),
        (Health.GREEN, "Renewed early."),
        (Health.YELLOW, "Adoption up <b>[bold]x[/]</b>."),
        (Health.AMBER, "Champion is back."),
        (Health.RED, None),  # opened Red, with the issue: no move note
    ]
    assert history[0].author == "mia" and history[1].author == "root"  # the token's user
    assert history[-1].at == datetime.fromisoformat(opened.replace("Z", "+00:00"))
    # The card's trend reads the same history: the six weeks to the 29th, each at its end.
    card = next(c for c in service.cards(include_closed=True) if c.iid == iid)
    assert card.trend == (Health.RED, Health.RED, Health.AMBER, Health.YELLOW, Health.GREEN, None)
    # Offline (no GitLab at all): the same, from the cache.
    emu.stop()
    assert service.health_history(iid) == history


def test_history_is_incremental(emu: GitLabEmulator, clock: Clock, tmp_path: Path) -> None:
    """The first pull reads every issue's label events; the next ones only those of the
    issues they saw change."""
    service = synced(emu, tmp_path)
    assert sorted(events_requested(emu)) == sorted(emu.project.issues)
    iid = red_open_issue(emu)
    before = service.health_history(iid)
    assert [c.health for c in before] == [Health.RED]
    emu.requests.clear()
    clock.advance(minutes=30)
    swap(emu, iid, "Red", "Yellow", username="noah")
    report = service.sync()
    assert report.ok and not report.full
    assert events_requested(emu) == [iid]
    assert report.history_of == 1
    history = service.health_history(iid)
    assert [(c.health, c.author) for c in history] == [
        (Health.YELLOW, "noah"),
        (Health.RED, before[0].author),
    ]
    # Nothing changed: nothing read, by an incremental pull or by a full pass (which
    # read every issue's events again and cost a request per issue each day).
    emu.requests.clear()
    assert service.sync().ok
    assert service.sync(full=True).full
    assert events_requested(emu) == []


def test_unread_histories_fill_in_over_pulls_open_issues_first(
    emu: GitLabEmulator, clock: Clock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issues never read (a cache migrated to schema 10: no health_marks; or the rest of
    a first sync's) are read BACKFILL a pull besides the changed ones, open issues
    first, until none is left; then a pull reads none."""
    from triage_tui.sync import engine

    service = synced(emu, tmp_path)
    service._cache().conn.execute("UPDATE issues SET health_marks = NULL")
    monkeypatch.setattr(engine, "BACKFILL", 50)
    opened = {i for i, issue in emu.project.issues.items() if issue["state"] == "opened"}
    assert len(opened) > 50
    seen: list[int] = []
    for _ in range(10):
        emu.requests.clear()
        clock.advance(minutes=30)
        assert service.sync().ok
        asked = events_requested(emu)
        if not asked:
            break
        assert len(asked) <= 50
        seen += asked
    assert sorted(seen) == sorted(emu.project.issues)  # each once
    assert set(seen[:50]) <= opened
    assert all(service.health_history(iid) for iid in list(opened)[:5])


def test_a_cut_off_history_is_finished_by_the_next_pull(
    emu: GitLabEmulator, clock: Clock, tmp_path: Path
) -> None:
    """The label events of a changed issue are owed until stored: a pull cut off there
    (GitLab gone mid-phase) leaves them owed, and the next pull reads them."""
    from triage_emulators.gitlab import Fault

    service = synced(emu, tmp_path)
    iid = red_open_issue(emu)
    clock.advance(minutes=30)
    swap(emu, iid, "Red", "Green")
    # (A refusal, which python-gitlab does not retry: the pull stops in the history phase.)
    emu.faults.append(Fault("GET", r"/resource_label_events", 403, times=1))
    report = service.sync()
    assert not report.ok
    assert [c.health for c in service.health_history(iid)] == [Health.RED]
    emu.faults.clear()
    emu.requests.clear()
    report = service.sync()
    assert report.ok, report.error
    assert events_requested(emu) == [iid]
    assert [c.health for c in service.health_history(iid)] == [Health.GREEN, Health.RED]


def test_hostile_usernames_are_cleaned(emu: GitLabEmulator, clock: Clock, tmp_path: Path) -> None:
    service = synced(emu, tmp_path)
    iid = red_open_issue(emu)
    clock.advance(minutes=30)
    swap(emu, iid, "Red", "Amber", username="evil\x1b[2J\x1b]0;pwned\x07name\u202e")
    assert service.sync().ok
    (latest, *_) = service.health_history(iid)
    assert latest.author == "evilname"


def test_weeks_before_the_issue_was_opened_are_unknown(
    emu: GitLabEmulator, clock: Clock, tmp_path: Path
) -> None:
    """An issue opened (Amber) three days before the board's today: five unknown weeks,
    then Amber; never Green for the weeks nobody knew about."""
    clock.now = datetime(2026, 11, 21, 13, 0, tzinfo=UTC)
    created = emu.create_issue({"title": "Acme", "labels": "Amber,EMEA"})
    service = synced(emu, tmp_path)
    card = next(c for c in service.cards() if c.iid == created["iid"])
    assert card.trend == (UNKNOWN,) * 5 + (Health.AMBER,)


def test_a_label_change_pushed_from_the_board_is_read_back_into_the_history(
    emu: GitLabEmulator, clock: Clock, tmp_path: Path
) -> None:
    """The push stores GitLab's answer (its updated_at too), so the next pull does not see
    the issue as changed: the push leaves its history owed, and the pull reads it."""
    service = synced(emu, tmp_path)
    iid = red_open_issue(emu)
    clock.advance(minutes=30)
    service.update(iid, "Red → Green", add_labels=("Green",), remove_labels=("Red",))
    assert service.push().pushed == 1
    emu.requests.clear()
    report = service.sync()
    assert report.ok and not report.full
    assert report.changed == 0  # (the push already stored GitLab's version)
    assert events_requested(emu) == [iid]
    latest = service.health_history(iid)[0]
    assert (latest.health, latest.author) == (Health.GREEN, "root")


def test_a_first_sync_reads_only_backfill_histories(
    emu: GitLabEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every issue of a first sync is "changed" and never read: only BACKFILL of their
    label events are read then (a request each; all 10,000 took 8.5x the issues phase),
    open issues first; the next pull goes on with the rest."""
    from triage_tui.sync import engine

    monkeypatch.setattr(engine, "BACKFILL", 30)
    service = synced(emu, tmp_path)
    first = events_requested(emu)
    opened = {i for i, issue in emu.project.issues.items() if issue["state"] == "opened"}
    assert len(first) == 30 and set(first) <= opened
    emu.requests.clear()
    assert service.sync().ok
    second = events_requested(emu)
    assert len(second) == 30 and not set(second) & set(first)
