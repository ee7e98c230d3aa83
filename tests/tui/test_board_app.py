"""The board app driven by keys, on a demo cache, reading what it shows."""

from __future__ import annotations

import sqlite3
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input, Static

from tests.conftest import TODAY
from tests.tui.helpers import board_app, column_texts, column_titles, until, widget_text
from triage_tui.domain.board import BoardKind
from triage_tui.domain.issue import Card
from triage_tui.services import TriageService, write_demo_cache
from triage_tui.tui import board_screen
from triage_tui.tui.app import TriageApp
from triage_tui.tui.board_view import BoardView
from triage_tui.tui.detail_pane import DetailPane
from triage_tui.tui.help_modal import HelpModal


def make_app(service: TriageService, **kwargs: object) -> TriageApp:
    return TriageApp(service, today=TODAY, **kwargs)  # type: ignore[arg-type]


async def test_colours_board_columns_and_counts(service: TriageService) -> None:
    app = make_app(service)
    async with app.run_test(size=(160, 40)) as pilot:
        titles = column_titles(app)
        assert titles[:4] == ["Red", "Amber", "Yellow", "Green"]
        # The demo has issues without a health label and with two: they get their own columns.
        assert titles[4:] == ["No health", "Data problem"]
        view = app.screen.query_one(BoardView)
        open_cards = [c for c in service.cards() if not c.closed]
        # The first paint may hold only each column's first cards, but whole counts.
        first = view.board
        assert first.total == len(open_cards) == sum(col.count for col in first.columns)
        header = column_texts(app)[1].splitlines()[0]
        assert "Amber" in header and str(first.columns[1].count) in header
        # Then every card arrives, in the same columns, the first ones unchanged.
        await until(pilot, lambda: view.board.complete)
        board = view.board
        assert board.total == sum(len(col) for col in board.columns) == len(open_cards)
        for before, after in zip(first.columns, board.columns, strict=True):
            assert before.cards == after.cards[: len(before.cards)]
            assert before.count == len(after.cards)


async def test_keys_move_the_cursor(service: TriageService) -> None:
    app = make_app(service)
    async with app.run_test(size=(120, 40)) as pilot:
        view = app.screen.query_one(BoardView)
        await pilot.press("j", "j", "down")
        assert (view.cursor.column, view.cursor.row) == (0, 3)
        await pilot.press("k")
        assert view.cursor.row == 2
        await pilot.press("l", "right")
        assert view.cursor.column == 2
        await pilot.press("h")
        assert view.cursor.column == 1
        await pilot.press("G")
        assert view.cursor.row == len(view.board.columns[1]) - 1
        await pilot.press("g")
        assert view.cursor.row == 0
        await pilot.press("pagedown")
        assert view.cursor.row > 1
        await pilot.press("4")
        assert view.cursor.column == 3
        await pilot.press("1")
        assert view.cursor.column == 0


async def test_switching_boards_keeps_the_card(service: TriageService) -> None:
    app = make_app(service)
    async with app.run_test(size=(120, 40)) as pilot:
        view = app.screen.query_one(BoardView)
        await pilot.press("j", "j")
        iid = view.current.iid
        await pilot.press("b")
        assert view.board.kind is BoardKind.REGION
        assert column_titles(app)[:5] == ["US-WEST", "US-EAST", "EMEA", "APAC", "LATAM"]
        assert view.current.iid == iid
        await pilot.press("b")
        assert view.board.kind is BoardKind.COLOURS
        assert view.current.iid == iid


async def test_detail_pane_shows_template_fields(service: TriageService) -> None:
    app = make_app(service)
    async with app.run_test(size=(160, 40)) as pilot:
        view = app.screen.query_one(BoardView)
        await pilot.press("enter")
        pane = app.screen.query_one(DetailPane)
        assert pane.display
        detail = service.detail(view.current.iid)
        text = widget_text(app.screen.query_one("#detail-fields", Static))
        assert f"#{detail.summary.iid}" in text
        assert detail.fields.salesforce_url in text
        assert detail.fields.renewal_date.isoformat() in text
        assert "Reason for Health Score" in text and "Triage team" in text
        # The pane follows the cursor.
        await pilot.press("j")
        assert f"#{view.current.iid}" in widget_text(app.screen.query_one("#detail-fields", Static))
        await pilot.press("escape")
        assert not pane.display


async def test_filter_as_you_type(service: TriageService) -> None:
    app = make_app(service)
    async with app.run_test(size=(120, 40)) as pilot:
        view = app.screen.query_one(BoardView)
        before = view.board.total
        await pilot.press("slash", *"@liam")
        assert 0 < view.board.total < before
        assert all(card.summary.tam == "liam" for col in view.board.columns for card in col.cards)
        await pilot.press("enter")
        assert view.has_focus
        await pilot.press("escape")
        assert view.board.total == before
        assert not app.screen.query_one("#filter", Input).display


async def test_new_and_overdue_filters(service: TriageService) -> None:
    app = make_app(service)
    async with app.run_test(size=(120, 40)) as pilot:
        view = app.screen.query_one(BoardView)
        await pilot.press("slash", *"is:new")
        cards = [card for col in view.board.columns for card in col.cards]
        assert cards and all(card.is_new for card in cards)


async def test_closed_toggle(service: TriageService) -> None:
    app = make_app(service)
    async with app.run_test(size=(120, 40)) as pilot:
        view = app.screen.query_one(BoardView)
        before = view.board.total
        await pilot.press("c")
        assert view.board.total == len(service.cards()) > before
        await pilot.press("c")
        assert view.board.total == before


async def test_help_lists_every_key_and_remaps(service: TriageService) -> None:
    app = make_app(service, keymap={"board.switch": "tab"})
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("tab")
        assert app.screen.query_one(BoardView).board.kind is BoardKind.REGION
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpModal)
        keys = dict(app.screen.rows)
        assert keys["tab"] == "Colours/Region"
        assert "Filter" in keys.values() and "Quit" in keys.values()
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpModal)


async def test_hostile_text_renders_literally(service: TriageService) -> None:
    app = make_app(service)
    async with app.run_test(size=(200, 60)) as pilot:
        view = app.screen.query_one(BoardView)
        await pilot.press("c")  # some demo issues with hostile titles are closed
        assert view.select_iid(1)  # title "[@click=app.quit]x[/]"
        await pilot.pause()
        text = "\n".join(column_texts(app))
        assert "#1 [@click=app.quit]x[/]" in text
        await pilot.press("enter")
        assert "[@click=app.quit]x[/]" in widget_text(app.screen.query_one("#detail-fields"))
        assert app.is_running
        assert view.select_iid(3)  # escape sequences in the title were stripped at ingestion
        await pilot.pause()
        text = "\n".join(column_texts(app))
        assert "#3 Escape Seq" in text and "\x1b" not in text


async def test_huge_description_is_cut_not_frozen(service: TriageService) -> None:
    app = make_app(service)
    async with app.run_test(size=(120, 40)) as pilot:
        view = app.screen.query_one(BoardView)
        await pilot.press("c")
        assert view.select_iid(8)  # ~1 MB description
        await pilot.press("enter")
        text = widget_text(app.screen.query_one("#detail-description"))
        assert "showing the first 20,000" in text


async def test_board_follows_changes_from_another_process(
    service: TriageService, demo_cache: Path
) -> None:
    app = make_app(service, poll_seconds=0.05)
    async with app.run_test(size=(120, 40)) as pilot:
        view = app.screen.query_one(BoardView)
        await pilot.press("j")
        iid = view.current.iid
        other = sqlite3.connect(demo_cache)
        other.execute("UPDATE issues SET title = 'Renamed Elsewhere' WHERE iid = ?", [iid])
        other.commit()
        other.close()
        for _ in range(40):
            await pilot.pause(0.05)
            if view.current.summary.title == "Renamed Elsewhere":
                break
        assert view.current.iid == iid
        assert view.current.summary.title == "Renamed Elsewhere"


async def test_narrow_terminal_scrolls_columns_and_detail_covers(service: TriageService) -> None:
    app = make_app(service)
    async with app.run_test(size=(80, 24)) as pilot:
        view = app.screen.query_one(BoardView)
        await pilot.press("5")
        assert view.cursor.column == 4
        assert view.scroll_x > 0
        await pilot.press("enter")
        assert not view.display  # the detail pane takes the whole width
        await pilot.press("escape")
        assert view.display


@pytest.fixture
def gated(tmp_path: Path) -> tuple[TriageService, threading.Event]:
    """A 2,000-issue board (columns longer than its first screen) whose full load waits
    until the test opens the gate: keys pressed before then meet the first screen."""
    path = write_demo_cache(tmp_path / "big.db", today=TODAY, count=2000)
    service = TriageService(path, today=lambda: TODAY)
    gate = threading.Event()
    read_all = service.cards

    def cards_after_gate(**kwargs: Any) -> list[Card]:
        gate.wait(10)
        return read_all(**kwargs)

    service.cards = cards_after_gate  # type: ignore[method-assign]
    return service, gate


async def test_keys_before_every_card_is_read(gated: tuple[TriageService, threading.Event]) -> None:
    service, gate = gated
    app = make_app(service)
    async with app.run_test(size=(120, 40)) as pilot:
        view = app.screen.query_one(BoardView)
        first = view.board.columns[0]
        assert not first.complete and first.count > len(first.cards)
        # G on a column only partly read: the cursor goes to the bottom once it is all in.
        await pilot.press("G")
        # The filter typed meanwhile applies to every card, not the first screen's.
        await pilot.press("slash", *"emea", "enter")
        gate.set()
        await until(pilot, lambda: view.board.complete and bool(view.board.total))
        every = TriageService.cards(service, include_closed=False)  # (not through the gate)
        assert view.board.total == sum(1 for c in every if "emea" in c.search_text)
        assert view.cursor.row == len(view.board.columns[0]) - 1


async def test_past_midnight_the_cards_count_from_the_new_day(
    demo_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(board_screen, "TICK_SECONDS", 0.05)
    day = [TODAY]
    service = TriageService(demo_cache, today=lambda: day[0])
    app = make_app(service)
    async with app.run_test(size=(120, 40)) as pilot:
        view = app.screen.query_one(BoardView)
        await until(pilot, lambda: view.board.complete)

        def renewal_in(iid: int) -> int | None:
            found = view.board.find(iid)
            assert found is not None
            return view.board.columns[found[0]].cards[found[1]].days_to_renewal

        iid = next(c.iid for c in view.board.columns[0].cards if c.days_to_renewal is not None)
        before = renewal_in(iid)
        assert before is not None
        day[0] = TODAY + timedelta(days=1)
        await until(pilot, lambda: renewal_in(iid) == before - 1)


async def test_a_move_after_g_wins_over_g(gated: tuple[TriageService, threading.Event]) -> None:
    service, gate = gated
    app = make_app(service)
    async with app.run_test(size=(120, 40)) as pilot:
        view = app.screen.query_one(BoardView)
        await pilot.press("G", "k")  # bottom of what is read, then one up
        row = view.cursor.row
        gate.set()
        await until(pilot, lambda: view.board.complete)
        assert view.cursor.row == row  # not sent to the bottom when the rest arrived


async def test_the_board_loads_while_another_process_keeps_writing(demo_cache: Path) -> None:
    """Another user's sync commits more often than a load takes: the load still lands
    (a newer load must not cancel the running one over and over)."""
    service = TriageService(demo_cache, today=lambda: TODAY)
    read_all = service.cards

    def slow_cards(**kwargs: Any) -> list[Card]:
        time.sleep(0.3)
        return read_all(**kwargs)

    service.cards = slow_cards  # type: ignore[method-assign]
    other = sqlite3.connect(demo_cache, timeout=5)
    app = board_app(service)  # polls every 0.05 s
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen

        def write_and_check() -> bool:
            other.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('ping', ?)", [time.time()]
            )
            other.commit()
            return getattr(screen, "cards", None) is not None

        await until(pilot, write_and_check, seconds=5)
    other.close()
