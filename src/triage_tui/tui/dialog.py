"""What every dialog with fields shares, so each fits a small terminal (80x24) and the
field a person must fill is in view with its label and its error.

A dialog is a `.dialog` container: a docked `.dialog-head` and `.dialog-foot` that stay
in view, and a `DialogBody` between them that takes what height is left and scrolls (see
styles/app.tcss). Each field sits in a `.question` container with its label and error.
"""

from __future__ import annotations

from typing import TypeVar

from textual import events, on
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Input, RadioSet, Select, Static

ResultType = TypeVar("ResultType")


def show_error(error: Static, text: str) -> None:
    """Say what is wrong under a field; an empty error line takes no room."""
    error.update(text)
    error.display = bool(text)


def keep_question_in_view(focused: Widget) -> None:
    """Scroll the focused field's whole question (label, field, error) into view, then
    the field itself, which wins when the question is taller than the dialog's body."""
    question = next((node for node in focused.ancestors if node.has_class("question")), None)
    if isinstance(question, Widget):
        question.scroll_visible(animate=False, immediate=True)
    focused.scroll_visible(animate=False, immediate=True)


class DialogBody(VerticalScroll):
    """A dialog's scrolling part. Where it does not show everything, the dialog's bottom
    border says there is more and which way: a scrollbar alone is easy to miss, and the
    question below may be a required one."""

    def on_mount(self) -> None:
        self.watch(self, "scroll_y", self._say_where, init=False)
        self.watch(self, "virtual_size", self._say_where, init=False)
        self.call_after_refresh(self._say_where)

    def on_resize(self) -> None:
        self.call_after_refresh(self._say_where)

    def _say_where(self) -> None:
        dialog = self.parent
        if not isinstance(dialog, Widget):
            return
        end = self.max_scroll_y
        if end <= 0:
            dialog.border_subtitle = ""
        elif self.scroll_y < end:
            dialog.border_subtitle = "▼ more below (Tab)"
        else:
            dialog.border_subtitle = "▲ more above (Shift+Tab)"


class FormModal(ModalScreen[ResultType]):
    """A dialog of questions: the focused one is kept in view with its label and error,
    and a refused save shows the first wrong field."""

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        # After the refresh: an error line just shown or hidden has its height by then.
        self.call_after_refresh(keep_question_in_view, event.widget)

    @on(Input.Changed)
    @on(RadioSet.Changed)
    @on(Select.Changed)
    def _answered(self, event: Input.Changed | RadioSet.Changed | Select.Changed) -> None:
        """A field being answered drops its error (the save checks it again): an error
        left standing over a corrected field reads as if it were still wrong."""
        question = next(
            (node for node in event.control.ancestors if node.has_class("question")), None
        )
        if isinstance(question, Widget):
            for error in question.query(".field-error").results(Static):
                show_error(error, "")

    def show_wrong(self, widget: Widget) -> None:
        """Focus `widget`, the first field that needs attention, with its error in view."""
        if widget.has_focus:
            self.call_after_refresh(keep_question_in_view, widget)
        else:
            self.call_after_refresh(widget.focus)
