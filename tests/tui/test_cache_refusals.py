"""A cache that refuses a write (here: another process holds the write lock past the
board's busy_timeout) is no crash: the board says so, keeps running, and what the
person typed comes back in its dialog; once the cache is free the same keys work."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from textual.widgets import Input

from tests.conftest import NOW, TODAY
from tests.tui.helpers import open_board, until
from triage_tui.services import TriageService
from triage_tui.tui.move_modal import MoveModal
from triage_tui.tui.notes_screen import NotesScreen


@contextmanager
def write_lock_held(path: Path) -> Iterator[None]:
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        other.execute("ROLLBACK")
        other.close()


def impatient(path: Path) -> TriageService:
    return TriageService(path, today=lambda: TODAY, now=lambda: NOW, user="lead", busy_timeout=0.05)


def said(app: object) -> str:
    return " ".join(str(n.message) for n in app._notifications)  # type: ignore[attr-defined]


async def test_a_review_the_cache_refused_is_said_and_the_board_goes_on(demo_cache: Path) -> None:
    service = impatient(demo_cache)
    async with open_board(service) as (app, pilot, _):
        before = len(service.outbox())
        with write_lock_held(demo_cache):
            await pilot.press("r")
            await pilot.pause()
        assert app.is_running
        assert "was busy" in said(app) and "Nothing was changed" in said(app)
        assert len(service.outbox()) == before  # nothing half-written
        await pilot.press("r")  # the lock gone: the same key records it
        await until(pilot, lambda: len(service.outbox()) == before + 1)
    service.close()


async def test_a_move_the_cache_refused_comes_back_with_its_reason(demo_cache: Path) -> None:
    service = impatient(demo_cache)
    async with open_board(service, (80, 24)) as (app, pilot, _):
        await pilot.press("shift+right")  # the first Red card to Amber: asks why
        await until(pilot, lambda: isinstance(app.screen, MoveModal))
        await pilot.press(*"Sponsor is back")
        with write_lock_held(demo_cache):
            await pilot.press("ctrl+s")
            await pilot.pause()
            await until(pilot, lambda: isinstance(app.screen, MoveModal))
        assert "Your answers are back in the dialog" in said(app)
        assert app.screen.query_one("#move-reason", Input).value == "Sponsor is back"
        await pilot.press("ctrl+s")  # saved this time
        await until(pilot, lambda: not isinstance(app.screen, MoveModal))
        assert any("Sponsor is back" in e.edit.note for e in service.outbox())
    service.close()


async def test_a_weekly_update_the_cache_refused_stays_in_the_composer(demo_cache: Path) -> None:
    service = impatient(demo_cache)
    async with open_board(service) as (app, pilot, _):
        await pilot.press("w")
        await until(pilot, lambda: isinstance(app.screen, NotesScreen))
        notes = app.screen
        await notes.run_action("compose")
        area = notes.query_one("#composer-text")
        area.text = "Weekly update: renewal call booked"  # type: ignore[attr-defined]
        before = len(service.outbox())
        with write_lock_held(demo_cache):
            await notes.run_action("post")
            await pilot.pause()
        assert app.is_running and "was busy" in said(app)
        assert area.text == "Weekly update: renewal call booked"  # type: ignore[attr-defined]
        assert len(service.outbox()) == before
        await notes.run_action("post")
        await until(pilot, lambda: len(service.outbox()) == before + 1)
    service.close()
