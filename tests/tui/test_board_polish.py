"""What a person sees at 80x24 and 120x40: cards that say what needs doing, a footer
with the essentials, a `?` that shows the most used keys first, a filter bar that lets go
of keys typed right after Enter, and a title bar that fits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from textual import events
from textual.app import App, ComposeResult
from textual.widgets import Input, Static

from tests.conftest import TODAY
from tests.tui.helpers import column_texts, widget_text
from triage_tui.domain.board import Board, BoardKind, Column, build_board
from triage_tui.domain.issue import IssueState, IssueSummary, make_card
from triage_tui.domain.new_issue import NewIssueForm
from triage_tui.services import TriageService
from triage_tui.tui.app import TriageApp, stylesheet
from triage_tui.tui.board_screen import BoardScreen
from triage_tui.tui.board_view import BoardView
from triage_tui.tui.column_view import ColumnView
from triage_tui.tui.help_modal import HelpBody, HelpModal


def make_app(service: TriageService, **kwargs: object) -> TriageApp:
    return TriageApp(service, today=TODAY, **kwargs)  # type: ignore[arg-type]


def summary(iid: int, **fields: object) -> IssueSummary:
    values: dict[str, object] = {
        "title": f"Account {iid}",
        "state": IssueState.OPENED,
        "labels": ("Red", "US-WEST", "New"),
        "renewal_date": TODAY + timedelta(days=102),
        "tam": "fatima",
        "last_update_at": datetime(2026, 11, 21, 12, tzinfo=UTC),
    }
    values.update(fields)
    return IssueSummary(iid=iid, **values)  # type: ignore[arg-type]


class OneColumn(App[None]):
    """A single board column, as wide as one of three at 80 columns (the narrowest)."""

    CSS_PATH = stylesheet()
    CSS = "ColumnView { width: 25; }"

    def __init__(self, column: Column, kind: BoardKind = BoardKind.COLOURS) -> None:
        super().__init__()
        self.column, self.kind = column, kind

    def compose(self) -> ComposeResult:
        yield ColumnView(self.column, self.kind, 0)


async def drawn(column: Column, kind: BoardKind = BoardKind.COLOURS) -> list[list[str]]:
    """Three lines per card, as a column 25 cells wide draws them."""
    app = OneColumn(column, kind)
    async with app.run_test(size=(40, 40)):
        view = app.query_one(ColumnView)
        assert view.size.width == 25
        lines = widget_text(view).splitlines()[2:]  # under the header and the rule
    return [
        [line.rstrip() for line in lines[start : start + 3]] for start in range(0, len(lines), 4)
    ][: len(column.cards)]


def column(*summaries: IssueSummary, kind: BoardKind = BoardKind.COLOURS) -> Column:
    board: Board = build_board([make_card(s, TODAY) for s in summaries], kind, show_closed=True)
    return next(c for c in board.columns if c.cards)


# -- 1 and 7: cards ---------------------------------------------------------------------------


async def test_a_card_flags_what_needs_doing_in_words() -> None:
    red_alone = summary(-3, no_leader=True, missing_roles=2, pending_edits=1)
    refused = summary(41, failed_edits=1, pending_edits=1)
    led = summary(42, missing_roles=1)
    cards = await drawn(column(red_alone, refused, led))
    by_iid = {card[0].split()[1]: card for card in cards}
    new, failed, fine = by_iid["#new"], by_iid["#41"], by_iid["#42"]
    # Not yet on GitLab: "#new", never the local number.
    assert not any("#-3" in line for card in cards for line in card)
    assert new[0].endswith("⧗")
    # Red with no TAM leader or CS director: said in words, beside the ⚑ for the roles.
    assert "⚠ lead" in new[2] and new[2].endswith("⚑")
    assert "⚠ lead" not in fine[2] and fine[2].endswith("⚑")
    # An edit GitLab refused (or in conflict) wins over waiting ones.
    assert failed[0].endswith("✗ edit") and "⧗" not in failed[0]
    # The renewal and NEW are whole at the narrowest width; the TAM still reads.
    assert new[1].endswith("renew 102d NEW")
    assert new[2].startswith("▌ @fati")


async def test_the_leader_flag_only_on_open_red_cards() -> None:
    amber = summary(5, labels=("Amber", "EMEA"), no_leader=True)
    closed_red = summary(6, state=IssueState.CLOSED, no_leader=True)
    for card in await drawn(column(amber)) + await drawn(column(closed_red)):
        assert "⚠" not in "".join(card)


async def test_a_closed_card_keeps_its_renewal_whole() -> None:
    closed = summary(
        7,
        state=IssueState.CLOSED,
        labels=("Green", "LATAM"),
        renewal_date=TODAY + timedelta(days=344),
    )
    ((_, middle, last),) = await drawn(column(closed))
    assert middle.endswith("renew 344d")  # was "LATAM renew 34… closed"
    assert "LATAM" in middle
    assert last.endswith("closed") and "upd" not in last


async def test_the_region_board_and_the_no_health_column_keep_renewals_whole() -> None:
    card = summary(8, labels=("Yellow", "US-WEST", "New"))
    ((_, middle, _),) = await drawn(column(card, kind=BoardKind.REGION), BoardKind.REGION)
    assert middle.startswith("▌ YELLOW") and middle.endswith("renew 102d NEW")
    homeless = summary(9, labels=("US-EAST", "New"))
    ((_, middle, _),) = await drawn(column(homeless))
    # The column says "No health": the card does not repeat it, the renewal stays whole.
    assert "NO HEALTH" not in middle and middle.endswith("renew 102d NEW")


async def test_a_new_issue_shows_as_new_on_the_board(service: TriageService) -> None:
    iid = service.new_issue(
        NewIssueForm(
            account="Initech Corp",
            salesforce_url="https://example.my.salesforce.com/001Q",
            success_plan_url="https://gitlab.example.com/plans/9",
            renewal_date="2027-02-14",
            reason="Budget cut after the merger",
            health="Red",
            region="EMEA",
            churn="U&A",
            no_leader_yet=True,
        )
    )
    assert iid < 0
    app = make_app(service)
    async with app.run_test(size=(80, 24)) as pilot:
        view = app.screen.query_one(BoardView)
        assert view.select_iid(iid)
        await pilot.pause()
        text = "\n".join(column_texts(app))
        assert "#new Initech Corp" in text and f"#{iid}" not in text


# -- 2: the footer ----------------------------------------------------------------------------


async def test_the_footer_fits_the_essentials_at_80_columns(service: TriageService) -> None:
    app = make_app(service)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        keys = [key for key in app.screen.query("FooterKey") if key.region.width]
        shown = {getattr(key, "description", "") for key in keys if key.region.right <= 80}
        assert {"Details", "Filter", "Board", "Keys", "Quit"} <= shown
        # Every key shown is whole, with its label: none cut off at the right edge.
        assert all(key.region.right <= 80 for key in keys)


# -- 3: `?` -----------------------------------------------------------------------------------


async def test_help_shows_the_most_used_keys_first_and_says_it_scrolls(
    service: TriageService,
) -> None:
    app = make_app(service)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, HelpModal)
        descriptions = [description for _, description in modal.rows]
        keys = dict(modal.rows)
        # The nine column jumps are one row.
        assert keys["1-9"] == "Jump to a column"
        assert not any(description.startswith("Column ") for description in descriptions)
        # Navigation, then open, filter, switch, then triage; quitting last of ours.
        # The keys as the footer and the palette write them (App.get_key_display).
        order = [keys[k] for k in ("↓ / j", "1-9", "⏎", "/", "b", "m", "r", "e", "q")]
        positions = [descriptions.index(d) for d in order]
        assert positions == sorted(positions), order
        # Enter, / and b are on screen without scrolling; the box says there is more.
        body = modal.query_one(HelpBody)
        text = widget_text(modal.query_one(Static)).splitlines()
        visible = text[: body.scrollable_content_region.height]
        for row in ("⏎", "/", "b "):
            assert any(line.startswith(row) for line in visible), (row, visible)
        assert "more" in str(body.border_subtitle) and "▼" in str(body.border_subtitle)
        # The ids the config file remaps by are listed beside the keys.
        assert any("board.switch" in line for line in text)
        assert any("board.column-1…9" in line for line in text)
        await pilot.press("end")
        await pilot.pause(0.5)
        assert "▲" in str(body.border_subtitle)
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpModal)


async def test_help_shows_remapped_column_keys(service: TriageService) -> None:
    app = make_app(service, keymap={"board.column-3": "x"})
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("question_mark")
        modal = app.screen
        assert isinstance(modal, HelpModal)
        row = next(keys for keys, what in modal.rows if what == "Jump to a column")
        assert "x" in row.split(" / ") and "3" not in row.split(" / ")


# -- 4: keys typed right after Enter in the filter bar ----------------------------------------


def type_at_once(app: App[None], *keys: str) -> None:
    """Keys as a fast typist (or a paste of keystrokes) delivers them: all queued before
    the app handles the first, with no pause for it to catch up (Pilot.press waits)."""
    for key in keys:
        character = {"enter": "\r", "escape": "\x1b"}.get(key, key if len(key) == 1 else None)
        app.post_message(events.Key(key, character))


async def test_keys_after_enter_in_the_filter_go_to_the_board(service: TriageService) -> None:
    app = make_app(service)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, BoardScreen)
        view = screen.query_one(BoardView)
        bar = screen.query_one("#filter", Input)
        await pilot.press("slash")
        assert bar.has_focus
        # "b" and "c" act on the board whenever they land: the Region board, closed shown.
        type_at_once(app, *"wonka", "enter", "b", "c")
        await pilot.pause()
        await pilot.pause()
        assert screen.filter_text == "wonka" and bar.value == "wonka"  # not "wonkabc"
        assert view.has_focus and not bar.has_class("hidden")
        assert screen.kind is BoardKind.REGION and screen.show_closed
        assert view.board.kind is BoardKind.REGION
        assert view.board.total and all(
            "wonka" in card.search_text for col in view.board.columns for card in col.cards
        )


async def test_keys_after_escape_in_the_filter_go_to_the_board(service: TriageService) -> None:
    app = make_app(service)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, BoardScreen)
        view = screen.query_one(BoardView)
        bar = screen.query_one("#filter", Input)
        await pilot.press("slash")
        type_at_once(app, *"zzz", "escape", "b")
        await pilot.pause()
        await pilot.pause()
        assert screen.filter_text == "" and bar.value == "" and bar.has_class("hidden")
        assert view.has_focus and screen.kind is BoardKind.REGION
        assert view.board.total == len([c for c in service.cards() if not c.closed])


async def test_an_empty_filter_closes_on_enter(service: TriageService) -> None:
    app = make_app(service)
    async with app.run_test(size=(120, 40)) as pilot:
        bar = app.screen.query_one("#filter", Input)
        await pilot.press("slash", "enter")
        await pilot.pause()
        assert bar.has_class("hidden") and app.screen.query_one(BoardView).has_focus


# -- 6: the title bar -------------------------------------------------------------------------


def title(app: App[None]) -> str:
    return widget_text(app.screen.query_one("#title-bar", Static)).rstrip()


async def test_the_title_bar_counts_in_words_and_drops_the_hint_when_full(
    service: TriageService,
) -> None:
    app = make_app(service)
    async with app.run_test(size=(80, 24)) as pilot:
        assert "open issues" in title(app) and "(b: switch board · ?: keys)" in title(app)
        await pilot.press("slash", *"click", "enter")  # one card: "[@click=app.quit]x"
        await pilot.pause()
        shown = title(app)
        assert "· 1 open issue · filter: click" in shown and "issues" not in shown
        # No room for the whole hint: none of it, rather than "(b: switch bo".
        assert "(b:" not in shown and len(shown) <= 80
        await pilot.resize_terminal(160, 40)
        await pilot.pause()
        assert title(app).endswith("filter: click  (b: switch board · ?: keys)")
        await pilot.press("c")  # closed issues too: "issue", not "open issue"
        await pilot.pause()
        assert "open issue" not in title(app) and " issue" in title(app)
        await pilot.resize_terminal(40, 24)
        await pilot.pause()
        assert title(app).endswith("…") and len(title(app)) <= 40


def test_the_legend_in_help_names_every_card_tag() -> None:
    from triage_tui.tui import column_view, help_modal

    marks = [mark for mark, _ in help_modal.LEGEND]
    tags = ("FAILED_TAG", "PENDING_TAG", "LEADER_TAG", "PROBLEM_TAG")
    assert all(getattr(column_view, tag) in marks for tag in tags)


async def test_keys_right_after_slash_go_into_the_filter(service: TriageService) -> None:
    app = make_app(service)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, BoardScreen)
        bar = screen.query_one("#filter", Input)
        # "w" and "o" would open the updates pane and the outbox if they reached the board.
        type_at_once(app, "slash", *"wonka/x")
        await pilot.pause()
        await pilot.pause()
        assert app.screen is screen and bar.has_focus
        assert bar.value == "wonka/x"  # a "/" typed in the filter is text
