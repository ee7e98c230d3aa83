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


class SaysWhereScroll(VerticalScroll):
    """A scrolling part whose border (its own, or its dialog's: `says_on`) says whether
    there is more and which way: a scrollbar alone is easy to miss."""

    #: What the border says when everything fits, when there is more below (`{below}`
    #: lines), and when the rest is above.
    SAYS = {"all": "", "below": "▼ more below", "above": "▲ more above"}

    def on_mount(self) -> None:
        self.watch(self, "scroll_y", self._say_where, init=False)
        self.watch(self, "virtual_size", self._say_where, init=False)
        self.call_after_refresh(self._say_where)

    def on_resize(self) -> None:
        self.call_after_refresh(self._say_where)

    def says_on(self) -> Widget | None:
        return self

    def _say_where(self) -> None:
        target = self.says_on()
        if target is None:
            return
        end = self.max_scroll_y
        where = "all" if end <= 0 else "below" if self.scroll_y < end else "above"
        target.border_subtitle = self.SAYS[where].format(below=round(end - self.scroll_y))


class DialogBody(SaysWhereScroll):
    """A dialog's scrolling part; the dialog's bottom border says where the rest is (the
    question below may be a required one)."""

    SAYS = {"all": "", "below": "▼ more below (Tab)", "above": "▲ more above (Shift+Tab)"}

    def says_on(self) -> Widget | None:
        return self.parent if isinstance(self.parent, Widget) else None


class FormModal(ModalScreen[ResultType]):
    """A dialog of questions: the focused one is kept in view with its label and error,
    and a refused save shows the first wrong field."""

    def set_focus(
        self, widget: Widget | None, scroll_visible: bool = True, from_app_focus: bool = False
    ) -> None:
        # keep_question_in_view scrolls (at once, to the whole question). Textual's own
        # scroll on focus, an animated centring, ran against it and stopped the body
        # between rows, at a place that depended on timing.
        del scroll_visible
        super().set_focus(widget, scroll_visible=False, from_app_focus=from_app_focus)

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
