"""Every key, as currently bound (user remaps included)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static


def _key_name(key: str) -> str:
    names = {
        "question_mark": "?",
        "slash": "/",
        "escape": "Esc",
        "enter": "Enter",
        "pageup": "PgUp",
        "pagedown": "PgDn",
        "ctrl+p": "Ctrl+P",
    }
    return names.get(key, key)


class HelpModal(ModalScreen[None]):
    """Lists the bindings of the screen beneath, grouped by what they do."""

    BINDINGS = [
        Binding("escape,question_mark,q", "dismiss", "Close", id="help.close"),
    ]

    def __init__(self, rows: list[tuple[str, str]]) -> None:
        super().__init__()
        self.rows = rows

    def compose(self) -> ComposeResult:
        width = max((len(keys) for keys, _ in self.rows), default=4) + 2
        parts: list[Content | tuple[str, str] | str] = [("Keys\n\n", "bold")]
        for keys, description in self.rows:
            parts += [(f"{keys:<{width}}", "bold $accent"), description, "\n"]
        parts.append(
            ("\nEsc closes this. Remap any key by its id in the config file ", "$text-muted")
        )
        parts.append(("(triage-tui config path).", "$text-muted"))
        with VerticalScroll(id="help-body"):
            yield Static(Content.assemble(*parts), markup=False)

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(result)


def describe_bindings(bindings: list[tuple[Binding, bool]]) -> list[tuple[str, str]]:
    """(keys, description) rows, keys of one binding id merged: "left / h  Left"."""
    merged: dict[str, tuple[list[str], str]] = {}
    for binding, _enabled in bindings:
        group = binding.id or binding.action
        keys, _ = merged.setdefault(group, ([], binding.description or binding.action))
        for key in binding.key.split(","):
            name = _key_name(key.strip())
            if name not in keys:
                keys.append(name)
    return [(" / ".join(keys), description) for keys, description in merged.values()]
