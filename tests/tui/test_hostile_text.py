"""Hostile text from GitLab and Salesforce (triage_emulators.hostile), synced through the
real clients, on every screen of the board: nothing crashes, markup is drawn as the
characters it is (never run), and no escape, C1 or bidi control reaches what is drawn.
What a person pastes is cleaned of escapes the same way; what they typed stays."""

from __future__ import annotations

import pytest
from textual import events
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Input, OptionList, TextArea

from tests.conftest import TOKEN
from tests.hostile_cache import ISSUES, hostile_emu, hostile_service, hostile_sf, seeded
from tests.tui.helpers import board_app, until, widget_text
from triage_emulators import hostile
from triage_emulators.gitlab import GitLabEmulator
from triage_tui.domain.text import clean_line, clean_paste
from triage_tui.services import TriageService
from triage_tui.tui.app import TriageApp
from triage_tui.tui.board_view import BoardView
from triage_tui.tui.column_view import ColumnView
from triage_tui.tui.er_screen import ERScreen
from triage_tui.tui.move_modal import MoveModal
from triage_tui.tui.new_issue_modal import NewIssueModal
from triage_tui.tui.notes_screen import NotesScreen
from triage_tui.tui.outbox_screen import OutboxScreen
from triage_tui.tui.pickers import MenuModal, PickModal
from triage_tui.tui.team_screen import TeamScreen

__all__ = ["hostile_emu", "hostile_service", "hostile_sf", "seeded"]  # fixtures, used by name

SIZES = [(120, 40), (80, 24)]

#: What is pasted into every field: the whole corpus but the 10,000-character word, one
#: line (an Input keeps a paste's first line).
PASTE = " ".join(v for k, v in hostile.CORPUS.items() if k != "long-word").replace("\n", " ")


@pytest.fixture
def service(hostile_service: TriageService) -> TriageService:
    return hostile_service


# -- what the cache holds -----------------------------------------------------------------


def test_the_sync_keeps_hostile_text_as_clean_data(
    service: TriageService, seeded: hostile.Seeded
) -> None:
    cards = {card.iid: card for card in service.cards()}
    assert set(seeded.titles.values()) <= set(cards)
    for name, iid in seeded.titles.items():
        summary = cards[iid].summary
        detail = service.detail(iid)
        assert detail is not None
        fields = detail.fields
        texts = (summary.title, *summary.labels, *detail.assignees, detail.description)
        for text in (*texts, fields.reason, fields.salesforce_url, fields.renewal_text):
            assert hostile.forbidden_in(text) == [], (name, text[:80])
        assert summary.title == clean_line(hostile.marked(name, hostile.CORPUS[name]))
        for note in service.notes(iid):
            assert hostile.forbidden_in(note.body) == [], (name, note.body[:80])
    # Markup is data: kept character for character.
    assert cards[seeded.titles["click-quit"]].summary.title == "HX click-quit [@click=app.quit]x[/]"
    assert cards[seeded.titles["open-bracket"]].summary.title == "HX open-bracket ["
    for member in service.members():
        assert hostile.forbidden_in(member.username + member.name) == [], member
    assert any(m.name.startswith(hostile.MARKER) for m in service.members())
    huge = service.notes(seeded.huge_note)
    assert max(len(n.body) for n in huge) > 1_000_000
    accounts = service.accounts()
    hostile_accounts = [a for a in accounts if a.name.startswith(hostile.MARKER)]
    assert len(hostile_accounts) == len(hostile.CORPUS)
    for account in hostile_accounts:
        for text in (account.name, account.owner, account.health_reasons):
            assert hostile.forbidden_in(text) == [], text[:80]


# -- what the screen draws ----------------------------------------------------------------


def drawn(widget: Widget) -> str:
    """Every segment the widget draws, joined (its border included)."""
    width, height = widget.outer_size
    if not width or not height:
        return ""
    return widget_text(widget)


# Every app here runs with notifications=True: run_test leaves toasts out by default, and
# a toast is where a sync error or an edit's summary shows remote text.
def assert_clean(app: TriageApp, where: str, *, whole_screen: bool = True) -> None:
    """The app runs, and nothing it draws holds a forbidden character: each widget's
    strips, and (`whole_screen`, slower) the screen as composited, toasts and dialogs
    over the board included."""
    assert app.is_running, f"the app stopped ({where})"
    for widget in [app.screen, *app.screen.query("*")]:
        if widget.display and widget.is_on_screen:
            text = drawn(widget)
            assert hostile.forbidden_in(text) == [], f"{where}: {widget!r} draws {text[:120]!r}"
    if not whole_screen:
        return
    picture = app.export_screenshot()
    assert hostile.forbidden_in(picture) == [], f"{where}: the screen holds a control"


def board(app: TriageApp) -> BoardView:
    return app.screen.query_one(BoardView)


async def walk_every_card(pilot: Pilot[None], app: TriageApp, where: str) -> int:
    """Visit every column and every card in it (j to the bottom), checking each."""
    seen = 0
    columns = len(board(app).board.columns)
    for index in range(columns):
        await pilot.press(str(index + 1))
        column = board(app).board.columns[index]
        for row in range(len(column.cards)):
            await pilot.pause()
            last = row == len(column.cards) - 1
            assert_clean(app, f"{where}, column {index + 1}, card {row + 1}", whole_screen=last)
            seen += 1
            await pilot.press("j")
    return seen


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_every_card_and_the_detail_pane_draw_hostile_text_inertly(
    service: TriageService, seeded: hostile.Seeded, size: tuple[int, int]
) -> None:
    app = board_app(service)
    async with app.run_test(size=size, notifications=True) as pilot:
        await until(pilot, lambda: board(app).board.complete)
        await pilot.press("c")  # closed issues too
        shown = sum(len(c.cards) for c in board(app).board.columns)
        assert await walk_every_card(pilot, app, "board") == shown >= ISSUES
        await pilot.press("enter")  # the pane follows the cursor from here on
        assert await walk_every_card(pilot, app, "detail pane") == shown
        for iid in (seeded.huge_description, seeded.huge_note, *seeded.titles.values()):
            assert board(app).select_iid(iid)
            await pilot.pause()
            assert_clean(app, f"detail of #{iid}")
        assert board(app).select_iid(seeded.titles["click-quit"])
        await pilot.pause()
        fields = drawn(app.screen.query_one("#detail-fields"))
        assert "[@click=app.quit]x[/]" in fields


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_clicking_markup_runs_nothing(
    service: TriageService,
    seeded: hostile.Seeded,
    size: tuple[int, int],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = board_app(service)
    opened: list[str] = []
    monkeypatch.setattr(app, "open_url", lambda url, **_: opened.append(url))
    async with app.run_test(size=size, notifications=True) as pilot:
        await pilot.press("c")
        for name in ("click-quit", "link"):
            iid = seeded.titles[name]
            assert board(app).select_iid(iid)
            await pilot.press("enter")
            await pilot.pause()
            for selector in ("#detail-fields", ColumnView):
                for widget in app.screen.query(selector):
                    lines = drawn(widget).splitlines()
                    for y, line in enumerate(lines):
                        x = line.find("[@click" if name == "click-quit" else "[link")
                        if x >= 0:
                            await pilot.click(widget, offset=(x + 1, y))
                            await pilot.pause()
                            assert app.is_running, f"a click on {name} in {widget!r} ran it"
            # The markup was found on screen (the loop clicked something) and shown literally.
            assert "[@click=app.quit]x[/]" in drawn(app.screen.query_one("#detail-fields")) or (
                name == "link"
            )
            await pilot.press("escape")
        assert opened == []
        assert app.is_running


async def open_and_check(
    pilot: Pilot[None], app: TriageApp, screen: type[Screen[object]], *keys: str
) -> None:
    await pilot.press(*keys)
    await until(pilot, lambda: isinstance(app.screen, screen))
    await pilot.pause()
    assert_clean(app, screen.__name__)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_every_screen_draws_hostile_text_inertly(
    service: TriageService, seeded: hostile.Seeded, size: tuple[int, int]
) -> None:
    app = board_app(service)
    async with app.run_test(size=size, notifications=True) as pilot:
        await pilot.press("c")
        # A string of each kind (every note carries its issue's corpus string; all of them
        # are drawn by the card walk), and the 1 MB note.
        picked = ("click-quit", "close-tag", "osc52-clipboard", "csi-8bit", "bidi-override")
        notes = [(name, seeded.titles[name]) for name in (*picked, "emoji-zwj", "long-word")]
        for name, iid in [*notes, ("huge-note", seeded.huge_note)]:
            assert board(app).select_iid(iid), name
            await open_and_check(pilot, app, NotesScreen, "w")
            await pilot.press("s")  # system notes too
            await pilot.pause()
            assert_clean(app, f"notes of {name}")
            await pilot.press("escape")
            await until(pilot, lambda: not isinstance(app.screen, NotesScreen))
        for name in ("click-quit", "close-tag", "osc52-clipboard", "long-word"):
            assert board(app).select_iid(seeded.titles[name]), name
            await open_and_check(pilot, app, TeamScreen, "t")
            await pilot.press("enter")  # the first role's people picker: hostile members
            await pilot.pause()
            assert_clean(app, f"team picker of {name}")
            await pilot.press("escape", "escape")
            await until(pilot, lambda: app.screen.query(BoardView).results(BoardView) != [])
            # (a card in the last label column has none to its right: it moves left)
            view = board(app)
            to_right = view.board.columns[view.cursor.column + 1 :]
            at_edge = all(c.health is None and c.region is None for c in to_right)
            await open_and_check(pilot, app, MoveModal, "shift+left" if at_edge else "shift+right")
            await pilot.press("escape")
            await open_and_check(pilot, app, MenuModal, "m")
            await pilot.press("escape")
            await open_and_check(pilot, app, MenuModal, "e")
            await open_and_check(pilot, app, PickModal, "a")  # assignees: hostile members
            await pilot.press("escape")
            await open_and_check(pilot, app, MenuModal, "e")
            await open_and_check(pilot, app, PickModal, "l")  # labels: hostile label names
            await pilot.press("escape")
            await until(pilot, lambda: not isinstance(app.screen, (MenuModal, PickModal)))
        await open_and_check(pilot, app, NewIssueModal, "n")
        await pilot.press("escape")
        await open_and_check(pilot, app, ERScreen, "E")
        for section in "12345":
            await pilot.press(section)
            await pilot.pause()
            assert_clean(app, f"ER call section {section}")
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, ERScreen))
        await open_and_check(pilot, app, OutboxScreen, "o")
        await pilot.press("escape")
        await pilot.press("slash", *"hx")
        await pilot.pause()
        assert_clean(app, "filtered on hx")
        assert app.is_running


# -- what a person types or pastes --------------------------------------------------------


async def paste(pilot: Pilot[None], text: str) -> None:
    """A bracketed paste as the terminal driver delivers it: to the app, which routes it to
    the focused widget."""
    pilot.app.post_message(events.Paste(text))
    await pilot.pause()
    await pilot.pause()


def field_value(widget: Widget | None) -> str:
    if isinstance(widget, Input):
        return widget.value
    if isinstance(widget, TextArea):
        return widget.text
    raise AssertionError(f"not a text field: {widget!r}")


async def paste_into_focused(pilot: Pilot[None], app: TriageApp, where: str) -> None:
    """Type the markup, then paste the corpus: the markup stays as typed, the escapes go."""
    field = app.focused
    typed = "[b]x[/]"
    await pilot.press(*typed)
    await paste(pilot, PASTE)
    value = field_value(field)
    assert hostile.forbidden_in(value) == [], f"{where}: {value[:120]!r}"
    # What was typed, then the whole paste (a one-line field joins its lines), cleaned.
    # (TextArea splits lines at U+2028 too: compared up to there.)
    wanted = typed + clean_paste(PASTE, one_line=isinstance(field, Input))
    assert wanted.split("\u2028")[0] in value, f"{where}: {value[:200]!r}"
    assert "[@click=app.quit]x[/]" in value and "株式会社" in value, where
    assert_clean(app, where)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_pasting_the_corpus_into_every_field(
    service: TriageService, seeded: hostile.Seeded, size: tuple[int, int]
) -> None:
    app = board_app(service)
    async with app.run_test(size=size, notifications=True) as pilot:
        await pilot.press("slash")
        await paste_into_focused(pilot, app, "the filter")
        await pilot.press("escape")
        assert board(app).select_iid(seeded.titles["cjk"])
        await open_and_check(pilot, app, MoveModal, "shift+right")
        await paste_into_focused(pilot, app, "the move's reason")
        await pilot.press("escape")
        await open_and_check(pilot, app, NewIssueModal, "n")
        form = app.screen
        for field in form.query(Input):
            field.focus()
            await pilot.pause()
            await paste_into_focused(pilot, app, f"new issue's {field.id}")
        await pilot.press("ctrl+s")  # checked field by field: said, not crashed
        await pilot.pause()
        assert_clean(app, "the new issue form, checked")
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, NewIssueModal))
        await open_and_check(pilot, app, MenuModal, "e")
        await open_and_check(pilot, app, PickModal, "a")
        await paste_into_focused(pilot, app, "the assignee picker's filter")
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, (MenuModal, PickModal)))
        await open_and_check(pilot, app, NotesScreen, "w")
        await pilot.press("c")
        await pilot.pause()
        await paste_into_focused(pilot, app, "the weekly update composer")
        assert app.is_running


async def test_edits_of_hostile_text_wait_in_the_outbox_and_their_toasts_show_it(
    service: TriageService, seeded: hostile.Seeded, hostile_emu: GitLabEmulator
) -> None:
    """A label edit that names a hostile label waits (GitLab refuses the token), is listed
    in the outbox, and undoing it says so in a toast: all as text. Failed before: the
    toast parsed "Undone: … hx-close-tag-[/" as markup, and the app died of MarkupError."""
    del hostile_emu.tokens[TOKEN]  # every push refused: edits wait in the outbox
    app = board_app(service)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await pilot.press("c")
        iid = seeded.titles["close-tag"]
        assert board(app).select_iid(iid)
        await open_and_check(pilot, app, MenuModal, "e")
        await open_and_check(pilot, app, PickModal, "l")
        await pilot.press(*"hx-close", "down", "space", "enter")  # untick its hostile label
        await until(pilot, lambda: not isinstance(app.screen, (MenuModal, PickModal)))
        entries = [e for e in service.outbox() if e.edit.iid == iid]
        assert len(entries) == 1 and "hx-close-tag-[/" in entries[0].edit.summary
        await open_and_check(pilot, app, OutboxScreen, "o")
        assert "hx-close-tag-[/" in drawn(app.screen.query_one(OptionList))
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, OutboxScreen))
        await pilot.press("u")
        await until(pilot, lambda: any("Undone" in drawn(t) for t in app.screen.query("Toast")))
        toast = next(drawn(t) for t in app.screen.query("Toast") if "Undone" in drawn(t))
        assert "hx-close-tag-[/" in toast
        assert_clean(app, "the undo toast")
        assert [e for e in service.outbox() if e.edit.iid == iid] == []
