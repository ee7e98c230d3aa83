"""Every dialog fits an 80x24 terminal: the field a person must fill is on screen, whole,
whenever it has focus, and so are its error and the dialog's help line. The move to Red
(signals, churn class, leader) is the tallest."""

from __future__ import annotations

from textual.pilot import Pilot
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Input, Select

from tests.tui.helpers import board_app, until, widget_text
from triage_tui.domain.team import Role
from triage_tui.services import TriageService
from triage_tui.tui.app import TriageApp
from triage_tui.tui.board_view import BoardView
from triage_tui.tui.dialog import DialogBody
from triage_tui.tui.help_modal import HelpModal
from triage_tui.tui.move_modal import MoveModal
from triage_tui.tui.new_issue_modal import NewIssueModal
from triage_tui.tui.notes_screen import NotesScreen
from triage_tui.tui.outbox_screen import OutboxScreen
from triage_tui.tui.pickers import MenuModal, PickModal, TextModal
from triage_tui.tui.team_screen import TeamScreen

SMALL = (80, 24)


def shown_whole(widget: Widget) -> bool:
    """Every cell of `widget` is on the screen and inside every container that clips it
    (a field scrolled out of its dialog, or pushed past the dialog's border, is not)."""
    geometry = widget.screen.find_widget(widget)
    region = geometry.region
    return (
        region.area > 0
        and geometry.visible_region == region
        and widget.screen.region.contains_region(region)
    )


def focused(app: TriageApp) -> Widget:
    widget = app.focused
    assert widget is not None, "nothing has focus"
    return widget


async def settle(pilot: Pilot[None]) -> None:
    """Let focus changes scroll their field into view (after a refresh)."""
    await pilot.pause()
    await pilot.pause()


async def opened(pilot: Pilot[None], dialog: type[Screen[object]], *keys: str) -> None:
    """Press `keys`, then wait until `dialog` is on top and settled."""
    await pilot.press(*keys)
    await until(pilot, lambda: isinstance(pilot.app.screen, dialog))
    await settle(pilot)


async def assert_every_field_in_view(pilot: Pilot[None], app: TriageApp, dialog: type) -> None:
    """Tab through every field of the dialog on top: each, focused, is shown whole; so
    is the help line at its foot."""
    screen = app.screen
    assert isinstance(screen, dialog)
    seen: list[Widget] = []
    for _ in range(40):
        widget = focused(app)
        if widget in seen:
            break
        seen.append(widget)
        assert shown_whole(widget), f"{widget} is not in view at 80x24"
        await pilot.press("tab")
        await settle(pilot)
        # The body moves at once to a whole row: Textual's animated centring on focus
        # raced the dialog's own scroll and, on a loaded machine, stopped between rows.
        for body in screen.query(DialogBody):
            assert not app.animator.is_being_animated(body, "scroll_y")
            assert body.scroll_y == int(body.scroll_y), f"{body} rests at {body.scroll_y}"
    assert seen, "the dialog has no field"
    for foot in screen.query(".dialog-foot"):
        assert shown_whole(foot), f"the help line of {dialog.__name__} is cut off"


def without_leader(service: TriageService, iid: int) -> None:
    """The issue's team loses its TAM leader and CS manager / director (a local edit)."""
    detail = service.detail(iid)
    assert detail is not None
    team = detail.fields.team.with_role(Role.TAM_LEADER, []).with_role(Role.CS_LEADER, [])
    service.set_team(iid, team, "no leader")


async def open_red_move(pilot: Pilot[None], app: TriageApp, service: TriageService) -> int:
    """The move-to-Red dialog for the first Amber card, whose team has no leader."""
    await pilot.press("l")  # the Amber column
    card = app.screen.query_one(BoardView).current
    assert card is not None and card.health is not None and card.health.label == "Amber"
    without_leader(service, card.iid)
    await opened(pilot, MoveModal, "shift+left")
    return card.iid


async def test_the_move_to_red_fits_and_shows_each_field_and_error_at_80x24(
    service: TriageService,
) -> None:
    app = board_app(service)
    async with app.run_test(size=SMALL) as pilot:
        iid = await open_red_move(pilot, app, service)
        modal = app.screen
        assert isinstance(modal, MoveModal)
        assert focused(app).id == "move-reason" and shown_whole(focused(app))
        await pilot.press("enter")  # nothing answered: the reason is asked for first
        await settle(pilot)
        assert focused(app).id == "move-reason"
        assert shown_whole(modal.query_one("#reason-error"))
        await pilot.press(*"Told us they are cancelling", "enter")
        await settle(pilot)
        churn = modal.query_one("#churn")
        assert focused(app) is churn and shown_whole(churn)
        assert "Pick E&A" in widget_text(modal.query_one("#churn-error"))
        assert shown_whole(modal.query_one("#churn-error"))
        await pilot.press("enter")  # E&A: answered, its error goes before any save
        assert not modal.query_one("#churn-error").display
        await pilot.press("ctrl+s")  # the leader is still unanswered
        await settle(pilot)
        leader = modal.query_one("#leader-role")
        assert focused(app) is leader and shown_whole(leader)
        assert shown_whole(modal.query_one("#leader-error"))
        assert "none is known yet" in widget_text(modal.query_one("#leader-error"))
        await assert_every_field_in_view(pilot, app, MoveModal)
        # "None known yet" (the third answer) is an answer: the move is recorded.
        modal.query_one("#leader-role").focus()
        await settle(pilot)
        await pilot.press("right", "right", "enter", "ctrl+s")
        await until(pilot, lambda: not isinstance(app.screen, MoveModal))
    notes = [e.edit.note for e in service.outbox() if e.edit.iid == iid and e.edit.note]
    assert any("No TAM leader or CS manager / director is known yet" in n for n in notes)
    detail = service.detail(iid)
    assert detail is not None and {"Red", "E&A"} <= set(detail.summary.labels)


async def test_a_move_out_of_red_fits_at_80x24(service: TriageService) -> None:
    app = board_app(service)
    async with app.run_test(size=SMALL) as pilot:
        await opened(pilot, MoveModal, "shift+right")  # Red → Amber: twelve signals to tick
        await assert_every_field_in_view(pilot, app, MoveModal)


async def test_every_field_of_the_new_issue_form_is_reachable_at_80x24(
    service: TriageService,
) -> None:
    app = board_app(service)
    async with app.run_test(size=SMALL) as pilot:
        await opened(pilot, NewIssueModal, "n")
        await assert_every_field_in_view(pilot, app, NewIssueModal)


async def test_the_new_issue_form_fits_at_80x24_with_reds_questions(
    service: TriageService,
) -> None:
    app = board_app(service)
    async with app.run_test(size=SMALL) as pilot:
        await opened(pilot, NewIssueModal, "n")
        modal = app.screen
        assert isinstance(modal, NewIssueModal)
        await pilot.press("ctrl+s")  # everything missing: the first field, with its error
        await settle(pilot)
        assert focused(app).id == "account" and shown_whole(modal.query_one("#account-error"))
        modal.query_one("#health", Select).value = "Red"
        await settle(pilot)
        for name in ("account", "salesforce_url", "success_plan_url", "renewal_date", "reason"):
            modal.query_one(f"#{name}", Input).value = {
                "salesforce_url": "https://example.my.salesforce.com/001Q",
                "success_plan_url": "https://gitlab.example.com/plans/9",
                "renewal_date": "2027-02-14",
            }.get(name, "Initech Corp")
        modal.query_one("#region", Select).value = "EMEA"
        modal.query_one("#account", Input).focus()
        await pilot.press("ctrl+s")  # Red, without its churn class and leader
        await settle(pilot)
        assert focused(app).id == "churn" and shown_whole(modal.query_one("#churn-error"))
        await assert_every_field_in_view(pilot, app, NewIssueModal)
        assert modal.query_one("#leader-question").display  # Red's leader was among them


async def test_the_pickers_fit_at_80x24(service: TriageService) -> None:
    app = board_app(service)
    async with app.run_test(size=SMALL) as pilot:
        await opened(pilot, MenuModal, "m")
        await assert_every_field_in_view(pilot, app, MenuModal)
        await pilot.press("escape", "e")
        await until(pilot, lambda: isinstance(app.screen, MenuModal))
        await opened(pilot, PickModal, "a")  # assignees: every member of the project, a long list
        await assert_every_field_in_view(pilot, app, PickModal)
        await opened(pilot, TextModal, "escape", "e", "d")  # the due date
        await pilot.press(*"someday", "enter")
        await settle(pilot)
        assert shown_whole(app.screen.query_one("#text-error"))
        await assert_every_field_in_view(pilot, app, TextModal)


async def test_the_team_dialog_and_its_picker_fit_at_80x24(service: TriageService) -> None:
    app = board_app(service)
    async with app.run_test(size=SMALL) as pilot:
        card = app.screen.query_one(BoardView).current
        assert card is not None
        without_leader(service, card.iid)  # the Red warning takes two more lines
        await opened(pilot, TeamScreen, "t")
        warnings = app.screen.query_one("#team-warnings")
        assert "Red account without a TAM leader" in widget_text(warnings)
        assert shown_whole(warnings)
        await assert_every_field_in_view(pilot, app, TeamScreen)
        await opened(pilot, PickModal, "enter")  # people for the first role
        await assert_every_field_in_view(pilot, app, PickModal)


async def test_the_outbox_help_and_composer_fit_at_80x24(service: TriageService) -> None:
    for iid in (c.iid for c in service.cards()[:30]):
        service.set_due_date(iid, None)  # thirty edits waiting: a long outbox
    app = board_app(service)
    async with app.run_test(size=SMALL) as pilot:
        await opened(pilot, OutboxScreen, "o")
        await assert_every_field_in_view(pilot, app, OutboxScreen)
        await opened(pilot, HelpModal, "escape", "question_mark")
        assert shown_whole(focused(app))
        await pilot.press("escape", "w")
        await until(pilot, lambda: isinstance(app.screen, NotesScreen))
        await pilot.press("c")
        await settle(pilot)
        screen: Screen[None] = app.screen
        assert focused(app).id == "composer-text" and shown_whole(focused(app))
        assert shown_whole(screen.query_one("#composer .dialog-help"))


async def test_a_huge_title_does_not_push_the_fields_out_of_a_dialog(
    service: TriageService,
) -> None:
    card = next(c for c in service.cards() if not c.closed and c.summary.labels[:1] == ("Amber",))
    # A title from GitLab is data: 3,000 characters of it, in the dialogs' headings.
    service.update(card.iid, "renamed", title="Acme " * 600)
    without_leader(service, card.iid)
    app = board_app(service)
    async with app.run_test(size=SMALL) as pilot:
        view = app.screen.query_one(BoardView)
        await until(pilot, lambda: view.select_iid(card.iid))
        await opened(pilot, MoveModal, "shift+left")  # to Red: every question is asked
        assert focused(app).id == "move-reason" and shown_whole(focused(app))
        await assert_every_field_in_view(pilot, app, MoveModal)
        await opened(pilot, TeamScreen, "escape", "t")
        await assert_every_field_in_view(pilot, app, TeamScreen)
