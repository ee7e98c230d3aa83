"""Small keyboard dialogs shared by every edit: a menu, a type-ahead picker, a text field.

Each returns its answer through `dismiss` (None when cancelled); the caller does
the edit. They show text from GitLab as plain strings, never as markup.
"""

from __future__ import annotations

from collections.abc import Callable

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, SelectionList, Static
from textual.widgets.option_list import Option
from textual.widgets.selection_list import Selection

from triage_tui.tui.keys import key_name, key_text


class MenuModal(ModalScreen[str | None]):
    """Pick one of a few choices by arrow keys and Enter, or by its key."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="menu.cancel")]

    def __init__(self, heading: str, choices: list[tuple[str, str]]) -> None:
        """`choices`: (key, label); the key is also what is returned."""
        super().__init__()
        self.heading = heading
        self.choices = choices

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog menu-dialog"):
            yield Static(self.heading, markup=False, classes="dialog-head dialog-title")
            yield OptionList(
                *(Option(Content(f"{key}  {label}"), id=key) for key, label in self.choices),
                id="menu-options",
            )
            enter, cancel = key_name(self.app, "enter"), key_text(self, "menu.cancel")
            yield Static(
                f"{enter} or the key picks · {cancel} cancels", classes="dialog-foot", markup=False
            )

    def on_key(self, event: events.Key) -> None:
        for key, _ in self.choices:
            if event.character == key:
                event.stop()
                self.dismiss(key)
                return

    @on(OptionList.OptionSelected)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


class PickModal(ModalScreen[tuple[str, ...] | None]):
    """Type to narrow a long list (project labels, members, milestones); Space ticks
    (several) or Enter picks (one); Enter saves the ticked ones."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="pick.cancel"),
        # Priority: in a SelectionList Enter would toggle the highlighted item instead.
        Binding("enter,ctrl+s", "save", "Save", priority=True, id="pick.save"),
    ]

    def __init__(
        self,
        heading: str,
        options: list[tuple[str, str]],
        selected: tuple[str, ...] = (),
        *,
        multiple: bool = True,
    ) -> None:
        """`options`: (value, label). With `multiple` False, Enter returns one value."""
        super().__init__()
        self.heading = heading
        self.options = options
        self.multiple = multiple
        self.chosen: list[str] = list(selected)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog pick-dialog"):
            # The heading and the filter stay in view; the list takes what is left.
            with Vertical(classes="dialog-head"):
                yield Static(self.heading, markup=False, classes="dialog-title")
                yield Input(placeholder="type to narrow the list", id="pick-filter")
            if self.multiple:
                yield SelectionList[str](id="pick-list")
            else:
                yield OptionList(id="pick-list")
            save, cancel = key_text(self, "pick.save"), key_text(self, "pick.cancel")
            help_text = (
                f"{key_name(self.app, 'space')} ticks · {save} saves · {cancel} cancels"
                if self.multiple
                else f"{key_name(self.app, 'down')} to the list · {save} picks · {cancel} cancels"
            )
            yield Static(help_text, classes="dialog-foot", markup=False)

    def on_mount(self) -> None:
        self._fill("")
        self.query_one("#pick-filter", Input).focus()

    def _visible(self, text: str) -> list[tuple[str, str]]:
        words = text.lower().split()
        return [(v, label) for v, label in self.options if all(w in label.lower() for w in words)]

    def _fill(self, text: str) -> None:
        shown = self._visible(text)
        if self.multiple:
            selection = self.query_one("#pick-list", SelectionList)
            selection.clear_options()
            # Content, not str: a str prompt is parsed as markup, and labels and member
            # names come from GitLab ("[" alone made the markup parser raise).
            selection.add_options(
                [Selection(Content(label), value, value in self.chosen) for value, label in shown]
            )
        else:
            options = self.query_one("#pick-list", OptionList)
            options.clear_options()
            options.add_options([Option(Content(label), id=value) for value, label in shown])
            if shown:
                options.highlighted = 0

    @on(Input.Changed, "#pick-filter")
    def _narrow(self, event: Input.Changed) -> None:
        self._fill(event.value)

    def on_key(self, event: events.Key) -> None:
        if event.key == "down" and self.query_one("#pick-filter", Input).has_focus:
            event.stop()
            listing = self.query_one("#pick-list", OptionList)  # SelectionList is one too
            listing.focus()
            if listing.highlighted is None and listing.option_count:
                listing.highlighted = 0

    @on(SelectionList.SelectionToggled)
    def _toggled(self, event: SelectionList.SelectionToggled[str]) -> None:
        value = event.selection.value
        if value in self.chosen:
            self.chosen.remove(value)
        else:
            self.chosen.append(value)

    @on(OptionList.OptionSelected, "#pick-list")
    def _one(self, event: OptionList.OptionSelected) -> None:
        self.dismiss((event.option.id or "",))

    def action_save(self) -> None:
        """The ticked values; with one to pick, the highlighted one."""
        if self.multiple:
            self.dismiss(tuple(self.chosen))
            return
        options = self.query_one("#pick-list", OptionList)
        if options.highlighted is not None and options.option_count:
            option = options.get_option_at_index(options.highlighted)
            self.dismiss((option.id or "",))

    def action_cancel(self) -> None:
        self.dismiss(None)


class TextModal(ModalScreen[str | None]):
    """One line of text, checked by `check` (returns what is wrong, or "")."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="text.cancel")]

    def __init__(
        self, heading: str, value: str, check: Callable[[str], str], placeholder: str = ""
    ) -> None:
        super().__init__()
        self.heading = heading
        self.value = value
        self.check = check
        self.placeholder = placeholder

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog text-dialog"):
            yield Static(self.heading, markup=False, classes="dialog-head dialog-title")
            with VerticalScroll(classes="dialog-body"):
                yield Input(self.value, placeholder=self.placeholder, id="text-value")
                yield Static("", id="text-error", classes="field-error", markup=False)
            enter, cancel = key_name(self.app, "enter"), key_text(self, "text.cancel")
            # (Key names can be "[" under a [keymap]: plain text, as everything not ours.)
            yield Static(f"{enter} saves · {cancel} cancels", classes="dialog-foot", markup=False)

    def on_mount(self) -> None:
        self.query_one("#text-value", Input).focus()

    @on(Input.Submitted, "#text-value")
    def _submitted(self, event: Input.Submitted) -> None:
        problem = self.check(event.value)
        self.query_one("#text-error", Static).update(problem)
        if not problem:
            self.dismiss(event.value.strip())

    def action_cancel(self) -> None:
        self.dismiss(None)
