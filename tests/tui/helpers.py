"""Reading what the board shows, through public widget APIs."""

from __future__ import annotations

from textual.app import App
from textual.geometry import Region
from textual.widget import Widget

from triage_tui.tui.column_view import ColumnView


def widget_text(widget: Widget) -> str:
    width, height = widget.size
    return "\n".join(s.text for s in widget.render_lines(Region(0, 0, width, height)))


def column_texts(app: App[None]) -> list[str]:
    return [widget_text(view) for view in app.screen.query(ColumnView)]


def column_titles(app: App[None]) -> list[str]:
    return [view.column.title for view in app.screen.query(ColumnView)]
