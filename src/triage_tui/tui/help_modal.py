"""Every key, as currently bound (user remaps included), most used first, with the ids
the config file's [keymap] remaps them by, and what the marks on a card mean."""

from __future__ import annotations

from collections.abc import Callable

from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from triage_tui.tui.column_view import (
    FAILED_TAG,
    LEADER_TAG,
    MISMATCH_TAG,
    NOT_MEMBER_MARK,
    PENDING_TAG,
    PROBLEM_TAG,
)
from triage_tui.tui.dialog import SaysWhereScroll
from triage_tui.tui.keys import key_text

#: Bindings merged into one row: the ids' common start -> the row's description.
_MERGED = {"board.column-": "Jump to a column"}
#: Where `?` says more than the footer has room for.
_LONGER = {"board.switch": "Colours/Region", "board.close": "Close pane or filter"}

#: Rows in this order (binding ids, or a _MERGED prefix): moving about, opening, filtering
#: and switching first, then triage, then the rest. Rows not named here follow, as bound.
ORDER = (
    "board.cursor-left",
    "board.cursor-right",
    "board.cursor-up",
    "board.cursor-down",
    "board.top",
    "board.bottom",
    "board.page-up",
    "board.page-down",
    "board.column-",
    "board.open-detail",
    "board.close",
    "board.filter",
    "board.switch",
    "card.move-to",
    "card.move-left",
    "card.move-right",
    "card.review",
    "board.review-queue",
    "card.edit",
    "issue.new",
    "issue.team",
    "issue.weekly",
    "outbox.open",
    "edit.undo",
    "board.er-call",
    "board.overview",
    "board.sync",
    "issue.copy-link",
    "board.toggle-closed",
    "app.help",
    "app.quit",
)

#: The marks on a card, for the legend under the keys.
LEGEND = (
    ("NEW", "still carries ~New: review it ({card.review})"),
    (PENDING_TAG, "an edit waiting to reach GitLab"),
    (FAILED_TAG, "an edit refused by GitLab, or in conflict ({outbox.open})"),
    (PROBLEM_TAG, "two health labels, or a missing field or team role"),
    (LEADER_TAG, "Red, with no TAM leader or CS manager/director"),
    ("·YAAR", "health of the last weeks, oldest first (- none, · unknown)"),
    ("upd 9d", "since the last weekly update; overdue after 7d"),
    (f"@bob {NOT_MEMBER_MARK}", "TAM not a project member: GitLab dropped them"),
    ("SF Red 40d", "Salesforce's score, confirmed 40d ago (stale >31d)"),
    (MISMATCH_TAG, "the label differs from Salesforce's score"),
    ("SF no score", f"Salesforce has no score for it (never a {MISMATCH_TAG})"),
    ("250k", "the account's ARR in Salesforce"),
    ("« »", "more columns that side (1-9, left/right)"),
)


class HelpBody(SaysWhereScroll):
    """The scrolling list; its bottom border says whether there is more below or above."""

    SAYS = {
        "all": "Esc closes",
        "below": "▼ {below} more lines: ↓ PgDn End · Esc closes",
        "above": "▲ more above: ↑ PgUp Home · Esc closes",
    }


class HelpModal(ModalScreen[None]):
    """Lists the bindings of the screen beneath, most used first."""

    BINDINGS = [
        Binding("escape,question_mark,q", "dismiss", "Close", id="help.close"),
    ]

    def __init__(self, rows: list[tuple[str, str, str]]) -> None:
        """`rows` are (keys, description, binding ids), as describe_bindings makes them."""
        super().__init__()
        self.rows = [(keys, description) for keys, description, _ in rows]
        self.ids = [ids for _, _, ids in rows]

    def compose(self) -> ComposeResult:
        keys_width = min(16, max((len(keys) for keys, _ in self.rows), default=4)) + 2
        what_width = min(22, max((len(what) for _, what in self.rows), default=4)) + 2
        parts: list[Content | tuple[str, str] | str] = [
            (f"{'key':<{keys_width}}{'what it does':<{what_width}}id, for [keymap]\n", "bold"),
        ]
        for (keys, description), ids in zip(self.rows, self.ids, strict=True):
            parts += [
                (f"{keys:<{keys_width}}", "bold $accent"),
                f"{description:<{what_width}}",
                (ids, "$text-muted"),
                "\n",
            ]
        parts.append(("\nOn a card\n", "bold"))
        mark_width = max(len(mark) for mark, _ in LEGEND) + 2
        # The legend names keys by binding id: written with the keys bound now.
        bound = {ids: keys for (keys, _), ids in zip(self.rows, self.ids, strict=True)}
        for mark, meaning in LEGEND:
            text = meaning
            for binding_id in ("card.review", "outbox.open"):
                text = text.replace(f"{{{binding_id}}}", bound.get(binding_id, "?"))
            parts += [(f"{mark:<{mark_width}}", "bold"), text, "\n"]
        parts.append(
            (
                "\nRemap a key by its id in the [keymap] table of the config file "
                "(triage-tui config path; triage-tui config example shows how).",
                "$text-muted",
            )
        )
        body = HelpBody(id="help-body")
        # The border names the closing keys as bound now (help.close may be remapped).
        closes = f"{key_text(self, 'help.close')} closes"
        body.SAYS = {where: says.replace("Esc closes", closes) for where, says in body.SAYS.items()}
        body.border_title = "Keys"
        with body:
            yield Static(Content.assemble(*parts), markup=False)

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)


def _merged_prefix(binding_id: str) -> str | None:
    return next((prefix for prefix in _MERGED if binding_id.startswith(prefix)), None)


def _keys_text(keys: list[str]) -> str:
    if keys == list("123456789"):
        return "1-9"
    return " / ".join(keys)


def describe_bindings(
    bindings: list[tuple[Binding, bool]], display: Callable[[Binding], str]
) -> list[tuple[str, str, str]]:
    """(keys, description, ids) rows, most used first (ORDER): the keys of one binding id
    merged ("← / h"), and the nine column jumps in one row ("1-9"). `display` writes a
    key as the footer and the palette do (App.get_key_display)."""
    merged: dict[str, tuple[list[str], str, list[str]]] = {}
    for binding, _enabled in bindings:
        group = binding.id or binding.action
        prefix = _merged_prefix(binding.id or "")
        if prefix is not None:
            group = prefix
        description = _MERGED.get(prefix or "") or _LONGER.get(binding.id or "")
        description = description or binding.description or binding.action
        keys, _, ids = merged.setdefault(group, ([], description, []))
        if binding.id and binding.id not in ids:
            ids.append(binding.id)
        for key in binding.key.split(","):
            name = display(binding.with_key(key.strip(), key_display=None))
            if name not in keys:
                keys.append(name)
    rank = {group: index for index, group in enumerate(ORDER)}
    groups = sorted(merged, key=lambda group: rank.get(group, len(ORDER)))
    rows = []
    for group in groups:
        keys, description, ids = merged[group]
        if len(ids) > 1:
            first, last = ids[0], ids[-1]
            shown = f"{first}…{last.removeprefix(group)}" if group in _MERGED else ", ".join(ids)
        else:
            shown = ids[0] if ids else ""
        rows.append((_keys_text(keys), description, shown))
    return rows
