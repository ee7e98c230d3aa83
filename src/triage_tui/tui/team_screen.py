"""`t`: the triage team that owns the account until renewal (handbook rule 4).

Each role with its people; Enter picks people for a role from the project's
members (type-ahead), `x` clears it. Required roles left empty are flagged, and a
Red account without a TAM leader or CS manager/director loudly.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from triage_tui.domain.health import Health
from triage_tui.domain.issue import iid_text
from triage_tui.domain.team import REQUIRED_ROLES, Role, TriageTeam, not_members
from triage_tui.tui.edit_hub import hub
from triage_tui.tui.format import not_member_line, people_text
from triage_tui.tui.guards import saving
from triage_tui.tui.keys import key_name, key_text
from triage_tui.tui.pickers import PickModal

if TYPE_CHECKING:
    from triage_tui.services import TriageService

_WIDTH = max(len(role.value) for role in Role) + 2
_LEADERS = (Role.TAM_LEADER, Role.CS_LEADER)


class TeamScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape,t", "close", "Close", id="team.close"),
        Binding("x,delete", "clear", "Clear role", id="team.clear"),
    ]

    def __init__(
        self,
        service: TriageService,
        iid: int,
        *,
        heading: str,
        team: TriageTeam,
        health: Health | None,
        members: list[tuple[str, str]],
    ) -> None:
        """Issue `iid`'s `team`; `members`: (username, name) to pick from."""
        super().__init__()
        self.service = service
        self.iid = iid
        self.heading = heading
        self.team = team
        self.health = health
        self.members = members

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="team-dialog"):
            yield Static(self.heading, markup=False, classes="dialog-head dialog-title")
            yield OptionList(id="team-roles")
            # The warnings stay in view below the roles, which scroll where space is short.
            with Vertical(classes="dialog-foot"):
                yield Static(id="team-warnings", markup=False)
                yield Static(
                    f"{key_name(self.app, 'enter')} picks people · "
                    f"{key_text(self, 'team.clear')} clears the role · "
                    f"{key_text(self, 'team.close')} closes (edits are sent as you go)",
                    markup=False,
                )

    def on_mount(self) -> None:
        self._show()
        self.query_one("#team-roles", OptionList).focus()

    def _show(self) -> None:
        roles = self.query_one("#team-roles", OptionList)
        highlighted = roles.highlighted or 0
        roles.clear_options()
        # (No members cached, a demo or a first sync not done: nobody is flagged.)
        outside = not_members(self.team.everyone, [username for username, _ in self.members])
        for role in Role:
            people = self.team.people(role)
            required = role in REQUIRED_ROLES or (role in _LEADERS and not self.team.has_leader)
            empty = required and not people
            text = Content.assemble(
                (f"{role.value:<{_WIDTH}}", "bold" if required else ""),
                people_text(people, outside),
                ("  ⚑ required" if empty else "", "$warning"),
            )
            roles.add_option(Option(text, id=role.name))
        roles.highlighted = highlighted
        warnings: list[Content | str | tuple[str, str]] = []
        if self.health is Health.RED and not self.team.has_leader:
            warnings.append(
                (
                    "⚠ Red account without a TAM leader or CS manager/director: the process "
                    "requires one (rule 1).\n",
                    "bold $error",
                )
            )
        lines = [f"Missing: {', '.join(missing)}"] if (missing := self.team.missing_roles()) else []
        lines += [not_member_line(person, "Enter picks a member instead") for person in outside]
        warnings.append(("\n".join(lines), "$warning"))
        self.query_one("#team-warnings", Static).update(Content.assemble(*warnings))

    def _role(self) -> Role | None:
        roles = self.query_one("#team-roles", OptionList)
        if roles.highlighted is None:
            return None
        return Role[roles.get_option_at_index(roles.highlighted).id or ""]

    @on(OptionList.OptionSelected, "#team-roles")
    def _pick(self) -> None:
        role = self._role()
        if role is None:
            return
        options = [(username, f"@{username}  {name}") for username, name in self.members]

        def picked(values: tuple[str, ...] | None) -> None:
            if values is not None:
                self._set(role, tuple(v for v in values if v))

        self.app.push_screen(
            PickModal(
                f"{role.value}: {'several people' if role.allows_several else 'one person'}",
                options,
                self.team.people(role),
                multiple=role.allows_several,
            ),
            picked,
        )

    def action_clear(self) -> None:
        role = self._role()
        if role is not None and self.team.people(role):
            self._set(role, ())

    def _set(self, role: Role, people: tuple[str, ...]) -> None:
        team = self.team.with_role(role, people)
        shown = ", ".join(f"@{p}" for p in people) or "nobody"
        summary = f"team: {role.value} {shown}"
        with saving(self):  # refused (said): the team shown stays as it is in the cache
            self.service.set_team(self.iid, team, summary)
            self.team = team
            hub(self).edited(f"{iid_text(self.iid)} {summary}", self.iid)
        self._show()

    def action_close(self) -> None:
        self.dismiss(None)
