"""Editing the triage team by keyboard; GitLab receives the description section and
the assignees."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.emulated import synced
from tests.tui.helpers import board_app, column_texts, open_board, until, widget_text
from triage_emulators.gitlab import GitLabEmulator
from triage_tui.domain.board import BoardKind
from triage_tui.domain.team import Role
from triage_tui.domain.template import parse_description, replace_team
from triage_tui.services import TriageService
from triage_tui.tui.board_view import BoardView
from triage_tui.tui.pickers import PickModal
from triage_tui.tui.team_screen import TeamScreen

pytestmark = pytest.mark.usefixtures("isolated_credentials")


def team_on_gitlab(emu: GitLabEmulator, iid: int):  # type: ignore[no-untyped-def]
    return parse_description(emu.issue(iid)["description"]).team


@pytest.mark.parametrize("several_assignees", [True, False])
async def test_the_team_is_edited_and_merged_into_gitlabs_description(
    emu: GitLabEmulator, tmp_path: Path, several_assignees: bool
) -> None:
    emu.multiple_assignees = several_assignees
    service = synced(emu, tmp_path, sync_interval=0)
    app = board_app(service)
    async with app.run_test(size=(120, 40)) as pilot:
        iid = app.screen.query_one(BoardView).current.iid  # type: ignore[union-attr]
        # Meanwhile someone adds a paragraph to the description in the web UI.
        emu.touch(iid, description=emu.issue(iid)["description"] + "\nAdded in the web UI.\n")
        await pilot.press("t")
        await until(pilot, lambda: isinstance(app.screen, TeamScreen))
        await pilot.press("down", "down", "down", "enter")  # CS Manager / Director
        await until(pilot, lambda: isinstance(app.screen, PickModal))
        await pilot.press(*"fatima", "enter")
        await until(pilot, lambda: isinstance(app.screen, TeamScreen))
        await until(pilot, lambda: "fatima" in team_on_gitlab(emu, iid).people(Role.CS_LEADER))
        await pilot.press("up", "up", "x")  # clear the TAM
        await until(pilot, lambda: not team_on_gitlab(emu, iid).people(Role.TAM))
        assert "TAM" in widget_text(app.screen.query_one("#team-warnings"))
        await until(pilot, lambda: not service.outbox())
    issue = emu.issue(iid)
    assert "Added in the web UI." in issue["description"]  # merged, not overwritten
    assignees = [a["username"] for a in issue["assignees"]]
    team = team_on_gitlab(emu, iid)
    if several_assignees:
        assert set(assignees) == set(team.everyone)
    else:
        assert len(assignees) == 1 and assignees[0] in team.everyone


async def test_a_red_account_without_a_leader_is_flagged_loudly(
    emu: GitLabEmulator, tmp_path: Path
) -> None:
    service = synced(emu, tmp_path, sync_interval=0)
    app = board_app(service)
    async with app.run_test(size=(120, 40)) as pilot:
        card = app.screen.query_one(BoardView).current
        assert card is not None and card.health is not None and card.health.label == "Red"
        await pilot.press("t")
        await until(pilot, lambda: isinstance(app.screen, TeamScreen))
        screen = app.screen
        assert isinstance(screen, TeamScreen)
        for role in (Role.TAM_LEADER, Role.CS_LEADER):
            screen._set(role, ())
        warnings = widget_text(screen.query_one("#team-warnings"))
        assert "Red account without a TAM leader" in warnings
        await pilot.press("escape")
        await until(pilot, lambda: any(c.red_without_leader for c in service.cards()))


async def test_a_tam_gitlab_does_not_take_is_flagged_on_the_card_detail_and_team(
    emu: GitLabEmulator, tmp_path: Path
) -> None:
    """GitLab takes only project members as assignees (the edit skips anyone else): a
    TAM who is not one shows as such, not as if all were well."""
    service = synced(emu, tmp_path, sync_interval=0)
    iid = service.first_screen(BoardKind.COLOURS, 5).columns[0].cards[0].iid
    team = parse_description(emu.issue(iid)["description"]).team.with_role(Role.TAM, ["mallory"])
    emu.touch(iid, description=replace_team(emu.issue(iid)["description"], team))
    assert service.sync().ok
    assert "mallory" not in {m.username for m in service.members()}
    app = board_app(service)
    async with app.run_test(size=(120, 40)) as pilot:
        board = app.screen.query_one(BoardView)
        await until(pilot, lambda: board.current is not None and board.current.iid == iid)
        assert board.current is not None and board.current.summary.tam_member is False
        assert "@mallory ✗" in column_texts(app)[0]
        await pilot.press("enter")
        await until(pilot, lambda: "mallory" in widget_text(app.screen.query_one("#detail-fields")))
        assert "@mallory is not a member of the project" in widget_text(
            app.screen.query_one("#detail-fields")
        )
        await pilot.press("t")
        await until(pilot, lambda: isinstance(app.screen, TeamScreen))
        roles = widget_text(app.screen.query_one("#team-roles"))
        assert "@mallory ✗" in roles
        warnings = widget_text(app.screen.query_one("#team-warnings"))
        assert "@mallory is not a member of the project" in warnings
        assert "@" + team.people(Role.ACCOUNT_OWNER)[0] + " is not" not in warnings


async def test_without_members_cached_nobody_is_flagged(service: TriageService) -> None:
    """A demo cache (or a first sync not done) has no members to tell by."""
    with service._cache().write() as db:
        db.execute("DELETE FROM members")
    async with open_board(service) as (app, pilot, _):
        assert all(c.summary.tam_member is None for c in service.cards())
        assert "✗ " not in "".join(column_texts(app)).replace("✗ edit", "")
        await pilot.press("t")
        await until(pilot, lambda: isinstance(app.screen, TeamScreen))
        assert "✗" not in widget_text(app.screen.query_one("#team-roles"))
