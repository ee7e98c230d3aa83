"""The health history on the board: each card's trend, the detail pane's dated list."""

from __future__ import annotations

from textual.widgets import Static

from tests.tui.helpers import board_app, seed_history, until, widget_text
from triage_tui.domain.board import BoardKind
from triage_tui.services import TriageService
from triage_tui.store import Cache
from triage_tui.tui.board_view import BoardView
from triage_tui.tui.column_view import ColumnView


def history_text(app: object) -> str:
    return widget_text(app.screen.query_one("#detail-history", Static))  # type: ignore[attr-defined]


async def test_cards_show_the_trend_and_the_pane_the_history(service: TriageService) -> None:
    iids = seed_history(service)
    # The demo gives every card a history; the fourth's is taken away (as if never read).
    fourth_iid = service.first_screen(BoardKind.COLOURS, 4).columns[0].cards[3].iid
    cache = Cache.open(service.cache_path)
    try:
        with cache.write() as db:
            db.execute("DELETE FROM health_history WHERE iid = ?", [fourth_iid])
            db.execute("UPDATE issues SET health_marks = NULL WHERE iid = ?", [fourth_iid])
    finally:
        cache.close()
    app = board_app(service)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: app.screen.query(BoardView).first().board.complete)
        red = app.screen.query(ColumnView).first()
        assert [card.iid for card in red.column.cards[:3]] == iids
        lines = widget_text(red).splitlines()
        # Line 2 of each card: region, then the six weeks to TODAY, oldest first, each its
        # colour at the week's end, by initial: weeks ending Oct 20 Green, Oct 27 and
        # Nov 3 Yellow, Nov 10 and 17 Amber (the no-health days of Nov 4-7 fall inside a
        # week), Nov 24 Red. As many of the latest weeks as fit.
        assert lines[3].split()[:2] == ["▌", "APAC"] and lines[3].split()[2] == "GYYAAR"
        assert "YAAR" in lines[7]  # "US-EAST" leaves room for four weeks beside NEW
        # A card with no history read shows no trend.
        fourth = lines[3 + 3 * 4]
        assert red.column.cards[3].iid == fourth_iid not in iids
        assert not any(mark in fourth for mark in ("AAR", "·"))
        # The detail pane: every change, newest first, with who and why.
        await pilot.press("enter")
        await until(pilot, lambda: "Health history" in history_text(app))
        rows = [line.strip() for line in history_text(app).splitlines() if line.strip()]
        assert rows[0] == "Health history"
        assert rows[1].split() == ["2026-11-22", "Red", "@dora"]
        assert rows[2] == "Told us they are cancelling"
        # Salesforce's score date among them (the account's last confirmed score).
        assert rows[3].split()[1:] == ["Red", "Salesforce:", "confirmed"]
        assert rows[4].split() == ["2026-11-08", "Amber", "@tim"]
        assert rows[5] == "Loss of our champion [b]x[/b]"  # as text, never markup
        assert rows[6].split() == ["2026-11-04", "no", "health", "@bot[markup]"]
        assert rows[7] == "no reason recorded"
        assert [row.split()[1] for row in rows[8::2]] == ["Yellow", "Green"]
        # The next card's history follows the cursor.
        await pilot.press("j")
        await until(pilot, lambda: "2026-09-26" in history_text(app))
