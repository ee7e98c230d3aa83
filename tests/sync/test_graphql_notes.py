"""Notes in bulk through GraphQL: the same cache as REST, in a request per batch of issues,
and REST for whatever GraphQL does not bring (see test_graphql_emulator for the sources
of how GitLab answers and refuses)."""

from __future__ import annotations

import math
import sqlite3
from pathlib import Path
from typing import Any

import gitlab.exceptions
import pytest

from tests.conftest import TODAY, TOKEN
from tests.emulated import make_service
from triage_emulators.gitlab import Fault, GitLabEmulator
from triage_tui.domain.edit import MARKER
from triage_tui.services import TriageService
from triage_tui.sync import mapping
from triage_tui.sync.gitlab_source import NOTES_BATCH, GitLabSource


def _note(emu: GitLabEmulator, iid: int, n: int, **fields: Any) -> dict[str, Any]:
    """A note in the emulator's REST shape, `n` minutes after noon of the demo's day 30."""
    emu._next_note += 1
    stamp = f"2026-10-25T12:{n // 60:02d}:{n % 60:02d}.000Z"
    note = {
        "id": emu._next_note,
        "body": f"note {n}",
        "system": False,
        "created_at": stamp,
        "updated_at": stamp,
        "noteable_iid": iid,
        "noteable_type": "Issue",
        "author": {"username": "tim", "name": "Tim", "id": 7},
    }
    return note | fields


def _awkward(emu: GitLabEmulator) -> dict[str, int]:
    """Issues whose notes test the bulk path: returns {what: iid}."""
    opened = sorted(i for i, issue in emu.project.issues.items() if issue["state"] == "opened")
    long, thread, bots, ghost = opened[3], opened[4], opened[5], opened[6]
    # One weekly update, then more system and bot notes than a GraphQL page holds: the
    # last update is behind 130 notes that are none (the clock must still find it).
    emu.project.notes[long] = [_note(emu, long, 0, body="Exec call done; renewal on track.")]
    emu.project.notes[long] += [
        _note(emu, long, n, body=f"added ~Label{n} label", system=True) for n in range(1, 100)
    ]
    emu.project.notes[long] += [
        _note(emu, long, n, author={"username": "renovate"}) for n in range(100, 131)
    ]
    emu.project.notes[thread].append(_note(emu, thread, 5, type="DiscussionNote"))
    emu.project.notes[bots] += [
        _note(emu, bots, 7, author={"username": "project_42_bot_9f1c2ab7"}),
        _note(emu, bots, 8, body=f"**Health Red → Amber**\n\nBack.\n\n{MARKER.format(uid='u')}"),
    ]
    emu.project.notes[ghost].append(_note(emu, ghost, 9, author=None))  # a deleted user
    return {"long": long, "thread": thread, "bots": bots, "ghost": ghost}


def _cached(service: TriageService) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Everything the sync wrote about notes: every note row (with its weekly-update flag)
    and every issue's last update."""
    path = service._cache().path
    with sqlite3.connect(path) as db:
        notes = db.execute("SELECT * FROM notes ORDER BY id").fetchall()
        issues = db.execute("SELECT iid, last_update_at FROM issues ORDER BY iid").fetchall()
    return notes, issues


def _requests(emu: GitLabEmulator) -> tuple[int, int]:
    """(GraphQL requests, REST notes requests) so far."""
    bulk = sum(1 for method, path in emu.requests if path == "/api/graphql")
    rest = sum(1 for method, path in emu.requests if method == "GET" and path.endswith("/notes"))
    return bulk, rest


def test_a_graphql_sync_caches_what_a_rest_sync_caches(emu: GitLabEmulator, tmp_path: Path) -> None:
    """Every issue's notes (ids, authors, bodies, times, system flags, weekly-update flags)
    and last update, the same by either path, for the demo project plus an issue with 131
    notes (its last update behind 130 system and bot notes), a thread's note, bots' and
    the app's notes and a deleted user's."""
    awkward = _awkward(emu)
    rest = make_service(emu, tmp_path / "rest", graphql=False, bots=("renovate",))
    assert rest.sync().ok
    by_rest = _requests(emu)
    emu.requests.clear()
    bulk = make_service(emu, tmp_path / "bulk", bots=("renovate",))
    report = bulk.sync()
    assert report.ok, report.error
    assert _cached(bulk) == _cached(rest)
    for iid in emu.project.issues:
        assert bulk.notes(iid) == rest.notes(iid)
        assert len(bulk.notes(iid)) == len(emu.project.notes.get(iid, []))
    cards = {card.iid: card for card in bulk.cards()}
    long_update = mapping.parse_timestamp(emu.project.notes[awkward["long"]][0]["created_at"])
    assert cards[awkward["long"]].summary.last_update_at == long_update
    # The REST sync asked once per issue (and twice for the issue of 131 notes); the bulk
    # sync asked once per batch of each phase, and by REST only for the issue of 131.
    opened = sum(1 for i in emu.project.issues.values() if i["state"] == "opened")
    closed = len(emu.project.issues) - opened
    assert by_rest == (0, len(emu.project.issues) + 1)
    batches = math.ceil(opened / NOTES_BATCH) + math.ceil(closed / NOTES_BATCH)
    assert _requests(emu) == (batches, 2)


def test_the_notes_of_n_issues_take_about_n_over_the_batch_requests(tmp_path: Path) -> None:
    """Failed before: a full sync of 300 issues made 300 notes requests (one per issue),
    and ~307 requests in all."""
    with GitLabEmulator.from_demo(TODAY, count=300, token=TOKEN) as emu:
        service = make_service(emu, tmp_path)
        report = service.sync()
        assert report.ok, report.error
        bulk, rest = _requests(emu)
        assert rest == 0
        assert bulk <= math.ceil(300 / NOTES_BATCH) + 1  # a batch each phase may be short
        # Issue pages, labels/milestones/members, and (GitLab has no bulk form of them,
        # REST or GraphQL) each issue's label events for its health history.
        events = [p for _, p in emu.requests if p.endswith("/resource_label_events")]
        assert len(events) == 300
        assert len(emu.requests) - len(events) <= 3 + 3 + bulk
        assert sum(len(service.notes(iid)) for iid in emu.project.issues) == sum(
            len(notes) for notes in emu.project.notes.values()
        )


def _refuse_by_complexity(emu: GitLabEmulator) -> str:
    emu.graphql_max_complexity = 10
    return "Query has complexity of 24, which exceeds max complexity of 10"


def _refuse_by_absence(emu: GitLabEmulator) -> str:
    emu.graphql = False
    return "GitLab answered 404"


def _refuse_by_proxy(emu: GitLabEmulator) -> str:
    emu.faults.append(Fault("POST", r"/api/graphql$", 403, times=100))
    return "GitLab answered 403"


@pytest.mark.parametrize("refuse", [_refuse_by_complexity, _refuse_by_absence, _refuse_by_proxy])
def test_a_refused_bulk_query_falls_back_to_rest(
    emu: GitLabEmulator, tmp_path: Path, refuse: Any
) -> None:
    """Over the complexity limit (HTTP 200 with errors), no /api/graphql (404), a proxy's
    403: the notes come by REST, one request per issue, all of them, and the source says
    why it gave GraphQL up."""
    rest = make_service(emu, tmp_path / "rest", graphql=False)
    assert rest.sync().ok
    why = refuse(emu)
    emu.requests.clear()
    service = make_service(emu, tmp_path / "bulk")
    report = service.sync()
    assert report.ok, report.error
    assert _cached(service) == _cached(rest)
    bulk, by_rest = _requests(emu)
    assert by_rest == len(emu.project.issues)
    assert bulk <= 4  # the batches already on their way when the first was refused
    source = GitLabSource(emu.url, emu.project.path, TOKEN)
    notes = list(source.notes_for([1, 2, 3]))
    assert [len(n) for n in notes] == [len(emu.project.notes.get(i, [])) for i in (1, 2, 3)]
    assert why in source.graphql_problem


def test_a_bad_token_is_reported_by_rest_as_before(emu: GitLabEmulator) -> None:
    source = GitLabSource(emu.url, emu.project.path, "expired")
    with pytest.raises(gitlab.exceptions.GitlabAuthenticationError):
        list(source.notes_for([1, 2]))
    assert "401" in source.graphql_problem


def test_a_numeric_project_id_is_looked_up_for_graphql(emu: GitLabEmulator) -> None:
    """GraphQL finds a project by its full path; the config may name it by id."""
    source = GitLabSource(emu.url, str(emu.project.id), TOKEN)
    notes = list(source.notes_for([1, 2, 3]))
    assert [len(n) for n in notes] == [len(emu.project.notes.get(i, [])) for i in (1, 2, 3)]
    assert not source.graphql_problem
    assert emu.graphql_requests[0]["variables"]["path"] == emu.project.path
    assert _requests(emu) == (1, 0)


def test_graphql_times_are_whole_seconds_where_rest_has_milliseconds(
    emu: GitLabEmulator, tmp_path: Path
) -> None:
    """What differs between the two paths: GitLab's GraphQL Time is `iso8601`, to the
    second, so a note (and an issue's last update) cached from GraphQL is up to a second
    earlier than the same note cached from REST. Nothing the board shows is that fine."""
    iid = next(i for i, issue in emu.project.issues.items() if issue["state"] == "opened")
    emu.project.notes[iid].append(_note(emu, iid, 1, created_at="2026-11-24T11:59:30.750Z"))
    rest = make_service(emu, tmp_path / "rest", graphql=False)
    bulk = make_service(emu, tmp_path / "bulk")
    assert rest.sync().ok and bulk.sync().ok
    by_rest = {c.iid: c for c in rest.cards()}[iid].summary.last_update_at
    by_bulk = {c.iid: c for c in bulk.cards()}[iid].summary.last_update_at
    assert by_rest is not None and by_bulk is not None
    assert (by_rest - by_bulk).total_seconds() == 0.75
    assert rest.notes(iid)[0].created_at.replace(microsecond=0) == bulk.notes(iid)[0].created_at


# -- mapping -----------------------------------------------------------------------------


def _answer(*issues: dict[str, Any]) -> dict[str, Any]:
    return {"project": {"issues": {"nodes": list(issues)}}}


def _issue(iid: str, *notes: dict[str, Any], more: bool = False) -> dict[str, Any]:
    return {"iid": iid, "notes": {"pageInfo": {"hasNextPage": more}, "nodes": list(notes)}}


NOTE = {
    "id": "gid://gitlab/Note/12",
    "body": "Update \x1b[31m",
    "system": False,
    "createdAt": "2026-11-24T10:00:00Z",
    "author": {"username": "tim"},
}


def test_notes_from_graphql_keeps_only_issues_whose_notes_all_came() -> None:
    found = mapping.notes_from_graphql(
        _answer(
            _issue("1", NOTE),
            _issue("2", NOTE, more=True),  # more than the page: by REST
            _issue("3", {**NOTE, "id": "gid://gitlab/LabelNote/0f2e9a"}),  # not a Note
            {"iid": "4", "notes": {"nodes": [NOTE]}},  # no pageInfo: cannot tell
            _issue("5"),  # no notes at all
            _issue("6", {**NOTE, "id": "gid://gitlab/DiscussionNote/13", "author": None}),
        )
    )
    assert set(found) == {1, 5, 6}
    assert found[5] == []
    [note] = found[1]
    assert (note.id, note.issue_iid, note.author, note.body) == (12, 1, "tim", "Update ")
    assert note.created_at.isoformat() == "2026-11-24T10:00:00+00:00" and not note.system
    assert found[6][0].id == 13 and found[6][0].author == "unknown"


@pytest.mark.parametrize("data", [{}, {"project": None}, {"project": {"issues": None}}])
def test_notes_from_graphql_without_issues_finds_none(data: dict[str, Any]) -> None:
    assert mapping.notes_from_graphql(data) == {}


def test_a_rate_limited_bulk_query_is_waited_out_not_given_up(emu: GitLabEmulator) -> None:
    """Failed before: a 429 on the bulk query gave GraphQL up for the sync, and every issue's
    notes went to REST, a request each, into the limit that had said 429."""
    emu.faults.append(Fault("POST", r"/api/graphql$", 429, times=2, retry_after=0))
    source = GitLabSource(emu.url, emu.project.path, TOKEN)
    notes = list(source.notes_for([1, 2, 3]))
    assert [len(n) for n in notes] == [len(emu.project.notes.get(i, [])) for i in (1, 2, 3)]
    assert not source.graphql_problem
    assert source.rate.waits == 2
    assert _requests(emu)[1] == 0  # no note came by REST
