"""The questions every path to a colour asks (triage.HealthQuestions), as widgets shared
by the move dialog (the board's moves and the ER call's "Salesforce is right") and the
new-issue form, so they look, read and answer the same everywhere.

Each question is a `.question` container: its label, its field and its error line, kept
in view together while the field has focus (see dialog.keep_question_in_view).
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import RadioButton, RadioSet, Select, Static

from triage_tui.domain.labels import ChurnClass
from triage_tui.domain.team import Role
from triage_tui.domain.triage import LEADER_ROLES
from triage_tui.tui.dialog import show_error

CHURN_WORDS = {
    ChurnClass.EXPECTED_AVOIDABLE: "expected, avoidable",
    ChurnClass.EXPECTED_UNAVOIDABLE: "expected, unavoidable",
    ChurnClass.UNEXPECTED_AVOIDABLE: "unexpected, avoidable",
    ChurnClass.UNEXPECTED_UNAVOIDABLE: "unexpected, unavoidable",
}
#: The leader radio's third answer: rule 1's question answered, no one named yet.
NONE_YET = "none-yet"
_ROLE_WORDS = {Role.TAM_LEADER: "TAM Leader", Role.CS_LEADER: "CS Manager / Director"}


class ChurnQuestion(Vertical):
    """The churn class of a Red account (rule 7): required."""

    def __init__(self, chosen: ChurnClass | None = None) -> None:
        super().__init__(id="churn-question", classes="question")
        self.chosen = chosen

    def compose(self) -> ComposeResult:
        yield Static(
            "Churn classification (required for Red, rule 7):",
            markup=False,
            classes="field-label",
        )
        with RadioSet(id="churn", compact=True):
            for churn, words in CHURN_WORDS.items():
                yield RadioButton(
                    f"{churn.label}  {words}", value=churn is self.chosen, name=churn.value
                )
        yield Static("", id="churn-error", classes="field-error", markup=False)

    def on_mount(self) -> None:
        show_error(self.query_one("#churn-error", Static), "")

    @property
    def value(self) -> ChurnClass | None:
        pressed = self.query_one("#churn", RadioSet).pressed_button
        if pressed is None or pressed.name is None:
            return None
        return ChurnClass(pressed.name)


class LeaderQuestion(Vertical):
    """Who the Red account's TAM leader or CS manager / director is (rule 1), picked from
    the project's members, or "none known yet" said explicitly (see HealthQuestions)."""

    def __init__(
        self,
        members: Sequence[tuple[str, str]],
        *,
        role: Role | None = None,
        username: str = "",
        none_yet: bool = False,
    ) -> None:
        """`members`: (username, name) of the project's members, to pick from."""
        super().__init__(id="leader-question", classes="question")
        self.members = members
        self.initial = (role, username, none_yet)

    def compose(self) -> ComposeResult:
        role, username, none_yet = self.initial
        yield Static(
            Content.assemble(
                "Leader (rule 1): the team has ",
                ("no TAM leader or CS manager / director", "bold"),
                ". Name one, or say none is known yet:",
            ),
            markup=False,
            classes="field-label",
        )
        with RadioSet(id="leader-role", compact=True):
            for leader_role in LEADER_ROLES:
                yield RadioButton(
                    _ROLE_WORDS[leader_role], value=role is leader_role, name=leader_role.name
                )
            yield RadioButton("None known yet", value=none_yet, name=NONE_YET)
        known = {name for name, _ in self.members}
        # Text, not str: Select parses a str prompt as markup, and members' names come
        # from GitLab; Text keeps Select's type-to-search, which Content would lose.
        yield Select(
            [(Text(f"@{name}  {full}"), name) for name, full in self.members],
            value=username if username in known else Select.NULL,
            prompt="who (type to search the project's members)",
            id="leader",
            compact=True,
        )
        yield Static("", id="leader-error", classes="field-error", markup=False)

    def on_mount(self) -> None:
        show_error(self.query_one("#leader-error", Static), "")
        self.query_one("#leader", Select).disabled = self.initial[2]

    @on(RadioSet.Changed, "#leader-role")
    def _role_changed(self, event: RadioSet.Changed) -> None:
        # "None known yet" names nobody: the person list is not asked then.
        self.query_one("#leader", Select).disabled = event.pressed.name == NONE_YET

    @property
    def answer(self) -> tuple[Role | None, str, bool]:
        """(role, username, none known yet), as MoveDecision takes them."""
        pressed = self.query_one("#leader-role", RadioSet).pressed_button
        name = pressed.name if pressed is not None else None
        if name == NONE_YET:
            return None, "", True
        role = Role[name] if name is not None else None
        chosen = self.query_one("#leader", Select).value
        return role, chosen if isinstance(chosen, str) else "", False
