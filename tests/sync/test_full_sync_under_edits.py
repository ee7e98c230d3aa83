"""A full pass while people edit, create and delete issues in GitLab's web UI: nothing the
server still has vanishes from the cache, and the cache ends equal to the server.

The emulator sorts each page's list afresh, as GitLab's database does, so an issue edited
between two pages moves in an `updated_at` order (GitLab: doc/api/rest/_index.md,
"Offset-based pagination"); it pages project issues by keyset like GitLab 18.3 and later
("Keyset-based pagination", "Supported resources": project issues), or by offset like an
older instance (`keyset_issues = False`), which ignores `pagination=keyset`.

Failed before: the full pass paged by offset in `updated_at` order, so the edits after
page 1 moved two issues to the end, the rows behind them moved up two places, and the
two rows that crossed into page 1 were never seen; the pass then deleted them from the
cache (which kept them away until the next full pass, a day later).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.emulated import make_service
from triage_emulators.gitlab import GitLabEmulator
from triage_tui.domain.records import LabelInfo
from triage_tui.domain.text import clean_line
from triage_tui.services import TriageService
from triage_tui.store.outbox import local_issue
from triage_tui.sync import gitlab_source
from triage_tui.sync.engine import pull
from triage_tui.sync.gitlab_source import GitLabSource


def server_view(emu: GitLabEmulator) -> dict[int, tuple[Any, ...]]:
    """(title as the cache keeps it, labels, state, updated_at) of every issue."""
    with emu.lock:
        return {
            iid: (clean_line(i["title"]), tuple(sorted(i["labels"])), i["state"], i["updated_at"])
            for iid, i in emu.project.issues.items()
        }


def cache_view(service: TriageService) -> dict[int, tuple[Any, ...]]:
    cache = service._cache()
    view: dict[int, tuple[Any, ...]] = {}
    for (iid,) in cache.conn.execute("SELECT iid FROM issues").fetchall():
        issue = cache.cached_issue(iid)
        assert issue is not None
        stamp = issue.updated_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        view[iid] = (issue.title, tuple(sorted(issue.labels)), issue.state.value, stamp)
    return view


@pytest.fixture
def small_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pages of 20, so the emulator's 120 issues take six of them."""
    monkeypatch.setattr(gitlab_source, "PER_PAGE", 20)


@pytest.mark.parametrize("keyset", [True, False], ids=["keyset (GitLab 18.3+)", "offset (older)"])
def test_a_full_pass_while_people_edit_loses_nothing(
    emu: GitLabEmulator, tmp_path: Path, small_pages: None, keyset: bool
) -> None:
    emu.keyset_issues = keyset
    service = make_service(emu, tmp_path)
    assert service.sync().ok
    assert cache_view(service) == server_view(emu)
    later = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
    emu.clock = lambda: later
    listing: list[int] = []
    deleted: list[int] = []

    def meanwhile(served: int, page: list[dict[str, Any]]) -> None:
        listing.append(served)
        if len(listing) != 1:
            return
        # After the first page of the pass: two of its issues are edited (an `updated_at`
        # order moves them to the end), one of them is deleted (offset pages behind it
        # shift up a place), so is one the pass has not reached, and an issue is opened.
        first, second, third = (issue["iid"] for issue in page[:3])
        emu.touch(first, title="Edited while the sync ran")
        emu.touch(second, labels=["Amber", "EMEA"])
        # (The pass lists by creation, oldest first: the newest is on its last page.)
        unlisted = max(emu.project.issues.values(), key=lambda i: (i["created_at"], i["id"]))["iid"]
        emu.delete_issue(third)
        emu.delete_issue(unlisted)
        deleted.extend([third, unlisted])
        emu.create_issue({"title": "Opened while the sync ran", "labels": "New,Red"})

    emu.on_issues_page = meanwhile
    report = service.sync(full=True)
    emu.on_issues_page = None
    assert report.ok, report.error
    assert len(listing) >= 6
    server, cached = server_view(emu), cache_view(service)
    # Every issue GitLab has is in the cache, as GitLab has it now.
    assert {iid: cached.get(iid) for iid in server} == server
    # The one deleted before the pass reached it is gone; the one deleted after the pass
    # had listed it waits for the next full pass, like one deleted after the pass ended.
    assert report.removed == 1 and deleted[1] not in cached
    assert set(cached) - set(server) <= {deleted[0]}
    again = service.sync(full=True)
    assert again.ok and again.changed == 0
    assert cache_view(service) == server_view(emu)


class PushDuringPass:
    """The GitLab source, and on the way the board's own push creates an issue and stores
    GitLab's answer in the cache, after the pass has listed every page (its worker pushes
    while the sync child pulls; on a team cache another person's push does the same)."""

    def __init__(self, source: GitLabSource, service: TriageService) -> None:
        self.source = source
        self.service = service
        self.created = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.source, name)

    def labels(self) -> list[LabelInfo]:
        from triage_tui.domain.edit import Edit, EditKind

        created = self.source.create_issue(
            Edit(EditKind.CREATE, -1, "uid-during-pass", "new", title="Pushed meanwhile")
        )
        self.service._cache().store_issues([created])
        self.created = created.iid
        return self.source.labels()


def test_an_issue_stored_while_the_pass_ran_stays(emu: GitLabEmulator, tmp_path: Path) -> None:
    """Failed before: the pass deleted every cached issue it had not listed, so an issue
    a push created and stored after the last page was read vanished from the board until
    the next sync brought it back (a day later for an issue nobody touched again)."""
    service = make_service(emu, tmp_path)
    assert service.sync().ok
    emu.clock = lambda: datetime.now(UTC)  # GitLab stamps the new issue with its own clock
    source, _ = service._gitlab()
    assert source is not None
    wrapped = PushDuringPass(source, service)
    report = pull(wrapped, service._cache(), now=datetime.now(UTC), full=True)  # type: ignore[arg-type]
    assert report.ok, report.error
    assert wrapped.created and wrapped.created in {c.iid for c in service.cards()}
    assert report.removed == 0


def test_a_new_issue_waiting_to_be_created_survives_a_full_pass(
    emu: GitLabEmulator, tmp_path: Path
) -> None:
    """Failed before: the pass deleted the new issue's local card (a negative iid, which
    GitLab never lists) while its create still waited in the outbox."""
    service = make_service(emu, tmp_path)
    assert service.sync().ok
    cache = service._cache()
    local = cache.next_local_iid()
    cache.add_local_issue(local_issue(local, "Initech Corp", ("New", "Red"), "budget cut"))
    # Pull only: the create stays waiting (as when GitLab refused it, or it was rate-limited).
    source, _ = service._gitlab()
    assert source is not None
    report = pull(source, cache, now=datetime.now(UTC), full=True)
    assert report.ok, report.error
    assert local in {c.iid for c in service.cards()}


def test_keyset_pages_read_ahead_hand_over_errors_and_stop() -> None:
    """The next keyset page is fetched while the last is stored; an error in the fetching
    thread comes out where its page would have, and a reader that stops stops it."""
    import threading

    from triage_tui.sync.gitlab_source import _read_ahead

    def failing() -> Any:
        yield [1]
        raise ConnectionError("dropped")

    pages = _read_ahead(failing())
    assert next(pages) == [1]
    with pytest.raises(ConnectionError):
        next(pages)
    served: list[int] = []

    def endless() -> Any:
        n = 0
        while True:
            n += 1
            served.append(n)
            yield [n]

    reader = _read_ahead(endless())
    assert next(reader) == [1]
    reader.close()
    assert not any(t.name == "gitlab-keyset" and t.is_alive() for t in threading.enumerate())
    assert len(served) <= 4  # read ahead by two, no further
