"""The command palette's entries (Ctrl+P): every action of the board, built from its
bindings (one list: a new binding shows in the footer, `?` and here alike), each with
the keys it is bound to now, running the binding's own action (guards included)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from textual.app import SystemCommand
from textual.binding import Binding
from textual.markup import escape

from triage_tui.domain.board import BoardKind
from triage_tui.tui.help_modal import ORDER
from triage_tui.tui.keys import display_keys, key_text

if TYPE_CHECKING:
    from triage_tui.tui.board_screen import BoardScreen

#: Bindings that do nothing out of their context (Esc closes what is open).
NOT_LISTED = frozenset({"board.close"})


def _command(screen: BoardScreen, binding: Binding) -> SystemCommand:
    keys = display_keys(screen.app, binding)
    title = f"{binding.description}  {keys}" if keys else binding.description
    action = binding.action

    async def run() -> None:
        await screen.run_action(action)

    # The palette reads help as markup: a "[" in it is text.
    return SystemCommand(title, escape(binding.tooltip or binding.description), run)


def board_commands(screen: BoardScreen) -> Iterable[SystemCommand]:
    """The board's actions, most used first (the order `?` lists them in)."""
    rank = {binding_id: index for index, binding_id in enumerate(ORDER)}
    bindings = [
        b
        for b in type(screen).BINDINGS
        if isinstance(b, Binding) and b.id and b.id not in NOT_LISTED
    ]
    for binding in sorted(bindings, key=lambda b: rank.get(b.id or "", len(ORDER))):
        yield _command(screen, binding)
    switch = key_text(screen, "board.switch")
    yield SystemCommand(
        "Colours board",
        f"Columns by health: Red, Amber, Yellow, Green ({switch} switches)",
        lambda: screen.action_switch_board(BoardKind.COLOURS),
    )
    yield SystemCommand(
        "Region board",
        f"Columns by region: US-WEST … LATAM ({switch} switches)",
        lambda: screen.action_switch_board(BoardKind.REGION),
    )
    yield SystemCommand(
        "Only overdue updates",
        "Issues with no weekly update in 7 days",
        lambda: screen.set_filter("is:overdue"),
    )
