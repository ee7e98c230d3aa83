"""Weekly updates by keyboard, against the GitLab emulator."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Markdown, TextArea

from tests.emulated import synced
from tests.tui.helpers import board_app, until, widget_text
from triage_emulators.gitlab import GitLabEmulator
from triage_tui.domain.edit import MARKER
from triage_tui.tui.app import TriageApp
from triage_tui.tui.board_view import BoardView
from triage_tui.tui.notes_screen import NotesScreen

pytestmark = pytest.mark.usefixtures("isolated_credentials")


def notes_text(app: TriageApp) -> str:
    """What the notes list draws: every leaf widget's lines (Markdown is a tree of blocks)."""
    leaves = [w for w in app.screen.query("#notes-list *") if not w.children]
    return "\n".join(widget_text(w) for w in leaves)


async def test_a_weekly_update_is_written_kept_as_a_draft_and_posted(
    emu: GitLabEmulator, tmp_path: Path
) -> None:
    service = synced(emu, tmp_path, sync_interval=0)
    app = board_app(service)
    async with app.run_test(size=(120, 40)) as pilot:
        iid = app.screen.query_one(BoardView).current.iid  # type: ignore[union-attr]
        await pilot.press("w")
        await until(pilot, lambda: isinstance(app.screen, NotesScreen))
        assert "weekly updates" in widget_text(app.screen.query_one("#notes-title"))
        await pilot.press("c")
        await pilot.press(*"Exec call with the sponsor")
        await pilot.press("escape", "escape")  # close the composer, then the pane
        await until(pilot, lambda: not isinstance(app.screen, NotesScreen))
    assert "Exec call with the sponsor" in service.draft(iid)

    # A restart: the draft is still there and the composer opens on it.
    app = board_app(service)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("w")
        await until(pilot, lambda: isinstance(app.screen, NotesScreen))
        text = app.screen.query_one("#composer-text", TextArea)
        await until(pilot, lambda: "Exec call with the sponsor" in text.text)
        assert text.has_focus
        await pilot.press(*"Renewal call booked.", "ctrl+s")  # typed at the draft's end
        await until(pilot, lambda: "waiting to be sent" in notes_text(app) or not service.outbox())
        await until(pilot, lambda: not service.outbox())
    bodies = [n["body"] for n in emu.project.notes[iid]]
    posted = [b for b in bodies if "Exec call with the sponsor" in b]
    assert len(posted) == 1 and posted[0].startswith("**Steps taken this week:**")
    assert "Renewal call booked." in posted[0]
    assert service.draft(iid) == ""
    card = next(c for c in service.cards() if c.iid == iid)
    assert card.days_since_update == 0 and not card.update_overdue  # just updated


async def test_notes_are_inert_markdown_and_system_notes_toggle(
    emu: GitLabEmulator, tmp_path: Path
) -> None:
    iid = min(emu.project.issues)
    emu.add_note(iid, "Call notes [@click=app.quit]quit[/] and [a link](https://evil.example/x)")
    emu.add_note(iid, "\x1b[31mred\x1b[0m changed the milestone", system=True)
    emu.add_note(iid, "x" * 1_000_000)  # GitLab's maximum
    service = synced(emu, tmp_path, sync_interval=0)
    app = board_app(service)
    async with app.run_test(size=(120, 40)) as pilot:
        app.screen.query_one(BoardView).select_iid(iid)
        await pilot.press("w")
        await until(pilot, lambda: isinstance(app.screen, NotesScreen))
        text = notes_text(app)
        assert "[@click=app.quit]quit[/]" in text
        assert "more characters in GitLab" in text
        assert "changed the milestone" not in text
        links = [m for m in app.screen.query(Markdown) if "a link" in m.source]
        assert links
        links[0].post_message(Markdown.LinkClicked(links[0], "https://evil.example/x"))
        await pilot.pause(0.2)
        assert app.is_running and isinstance(app.screen, NotesScreen)
        await pilot.press("s")
        await until(pilot, lambda: "changed the milestone" in notes_text(app))
        assert "\x1b" not in notes_text(app)


async def test_the_pane_fetches_the_issues_latest_notes_when_it_opens(
    emu: GitLabEmulator, tmp_path: Path
) -> None:
    """A note written in GitLab after the last sync shows when the pane opens, without a
    sync (a first sync of a big project fetches every issue's notes for minutes)."""
    service = synced(emu, tmp_path, sync_interval=0)
    app = board_app(service)
    async with app.run_test(size=(120, 40)) as pilot:
        iid = app.screen.query_one(BoardView).current.iid  # type: ignore[union-attr]
        emu.add_note(iid, "Fresh from the web UI: renewal call booked", username="dana")
        await pilot.press("w")
        await until(pilot, lambda: isinstance(app.screen, NotesScreen))
        await until(pilot, lambda: "Fresh from the web UI" in notes_text(app))
        assert "today" in widget_text(app.screen.query_one("#notes-title"))


async def test_offline_the_pane_shows_the_cached_notes_and_says_why(
    emu: GitLabEmulator, tmp_path: Path
) -> None:
    service = synced(emu, tmp_path, sync_interval=0)
    app = board_app(service)
    async with app.run_test(size=(120, 40)) as pilot:
        iid = app.screen.query_one(BoardView).current.iid  # type: ignore[union-attr]
        cached = service.notes(iid)
        assert cached
        emu.stop()
        await pilot.press("w")
        await until(pilot, lambda: isinstance(app.screen, NotesScreen))

        def said() -> str:
            return " ".join(str(n.message) for n in app._notifications)

        await until(pilot, lambda: "Showing the notes from the cache" in said())
        assert "Cannot reach GitLab" in said()
        assert cached[0].body.splitlines()[0][:30] in notes_text(app)


async def test_the_pane_shows_every_note_and_marks_the_ones_that_are_no_update(
    emu: GitLabEmulator, tmp_path: Path
) -> None:
    """All notes stay visible; a bot's and the app's health-move note say they did not
    count (failed before: no such marks)."""
    iid = min(emu.project.issues)
    emu.add_note(iid, "Dependencies bumped.", username="renovate")
    emu.add_note(iid, "Nightly report.", username="group_12_bot_77aa")
    emu.add_note(iid, f"**Health Red → Amber**\n\nBack on track.\n\n{MARKER.format(uid='x1')}")
    emu.add_note(iid, "Exec call done.", username="tim")
    service = synced(emu, tmp_path, sync_interval=0, bots=("renovate",))
    app = board_app(service)
    async with app.run_test(size=(120, 40)) as pilot:
        app.screen.query_one(BoardView).select_iid(iid)
        await pilot.press("w")
        await until(pilot, lambda: isinstance(app.screen, NotesScreen))
        await until(pilot, lambda: "Exec call done." in notes_text(app))
        text = notes_text(app)
        for body in ("Dependencies bumped.", "Nightly report.", "Back on track.", "Exec call"):
            assert body in text
        headers = [widget_text(w) for w in app.screen.query(".note-header")]
        marked = {h.split(" ·")[0] for h in headers if "not a weekly update" in h}
        assert marked == {"@renovate", "@group_12_bot_77aa", "@root"}
        assert sum("health change" in h for h in headers) == 1
        assert not any("@tim" in h and "not a weekly" in h for h in headers)
