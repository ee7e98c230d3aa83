"""The board: columns side by side, one cursor, keyboard navigation.

The board owns focus and the cursor; columns only draw. Cursor maths is in
triage_tui.domain.cursor so it is tested without a terminal.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message

from triage_tui.domain import cursor as cursor_maths
from triage_tui.domain.board import Board
from triage_tui.domain.cursor import Cursor
from triage_tui.domain.issue import Card
from triage_tui.tui.column_view import ColumnView

_COLUMN_KEYS = "123456789"
#: Narrowest readable card; below this the board scrolls sideways instead of squeezing.
#: 25 keeps "US-WEST … renew 102d NEW" whole: three columns at 80 cells, four at 120 (the
#: four health columns of the Colours board; the Region board's fifth is marked » ).
MIN_COLUMN_WIDTH = 25
#: The margin left of each column (app.tcss).
COLUMN_GAP = 1


class BoardView(Horizontal, can_focus=True):
    """Keyboard-navigable columns of cards."""

    BINDINGS = [
        Binding("left,h", "cursor(-1, 0)", "Left", show=False, id="board.cursor-left"),
        Binding("right,l", "cursor(1, 0)", "Right", show=False, id="board.cursor-right"),
        Binding("up,k", "cursor(0, -1)", "Up", show=False, id="board.cursor-up"),
        Binding("down,j", "cursor(0, 1)", "Down", show=False, id="board.cursor-down"),
        Binding("g,home", "edge(False)", "Top of column", show=False, id="board.top"),
        Binding("G,end", "edge(True)", "Bottom of column", show=False, id="board.bottom"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="board.page-up"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="board.page-down"),
        *(
            Binding(key, f"jump({n})", f"Column {n + 1}", show=False, id=f"board.column-{n + 1}")
            for n, key in enumerate(_COLUMN_KEYS)
        ),
    ]

    class CursorMoved(Message):
        """The highlighted card changed (None: the cursor is on an empty column)."""

        def __init__(self, card: Card | None) -> None:
            self.card = card
            super().__init__()

    def __init__(self, board: Board, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.board = board
        self.cursor = Cursor()
        self._shown = 1
        """How many columns fit side by side (set from the width)."""
        self._first = 0
        """The leftmost column in view."""
        self._bottom_asked = False
        """G was pressed while only the column's first cards were read: go on arrival."""

    def compose(self) -> ComposeResult:
        for index, column in enumerate(self.board.columns):
            yield ColumnView(column, self.board.kind, index)

    @property
    def columns(self) -> list[ColumnView]:
        return list(self.query_children(ColumnView))

    @property
    def current(self) -> Card | None:
        if not self.board.columns:
            return None
        column = self.board.columns[self.cursor.column]
        return column.cards[self.cursor.row] if self.cursor.row < len(column) else None

    def on_mount(self) -> None:
        self._paint_all()

    def on_resize(self) -> None:
        self._fit_columns()

    def _fit_columns(self) -> None:
        """Share the width equally, but never below MIN_COLUMN_WIDTH. CSS `1fr` inside a
        sideways-scrolling container resolves against the scrolled width, so compute it."""
        views = self.columns
        if not views or not self.size.width:
            return
        fitting = max(1, self.size.width // (MIN_COLUMN_WIDTH + COLUMN_GAP))
        # As many whole columns as fit, sharing the width. The cells left over go one each
        # to columns in turn, so any `shown` neighbouring columns fill the width exactly:
        # scrolled to a column's edge, the board never shows a sliver of another column.
        shown = min(len(views), fitting)
        if shown != self._shown:
            # A new width (a resize, the detail pane opening or closing): show as much of
            # the board from the left as the cursor's column allows, not the old offset.
            self._shown, self._first = shown, 0
        base, extra = divmod(self.size.width, self._shown)
        for index, view in enumerate(views):
            view.styles.width = base + (index % self._shown < extra) - COLUMN_GAP
        self.call_after_refresh(self._keep_cursor_column_visible)

    def _column_x(self, index: int) -> int:
        """Where column `index` (its margin included) starts, in board coordinates."""
        base, extra = divmod(self.size.width, self._shown)
        return index * base + (index // self._shown) * extra + min(index % self._shown, extra)

    def _keep_cursor_column_visible(self) -> None:
        """Scroll sideways by whole columns, as little as needed to show the cursor's."""
        count = len(self.board.columns)
        if not count or not self.size.width:
            return
        shown = max(1, min(self._shown, count))
        first = min(self._first, self.cursor.column)
        first = max(first, self.cursor.column - shown + 1)
        self._first = max(0, min(first, count - shown))
        self.scroll_to(x=self._column_x(self._first), animate=False, immediate=True)
        last = min(count, self._first + shown) - 1
        for index, view in enumerate(self.columns):
            view.mark_edges(
                left=index == self._first and index > 0, right=index == last and last < count - 1
            )

    # -- contents ---------------------------------------------------------------------------

    async def show_board(self, board: Board) -> None:
        """Show a rebuilt board, keeping the cursor on the same card where it still is."""
        new_cursor = cursor_maths.follow(self.board, self.cursor, board)
        if self._bottom_asked and board.complete:
            self._bottom_asked = False
            new_cursor = cursor_maths.to_edge(board, new_cursor, bottom=True)
        same_shape = [c.key for c in board.columns] == [c.key for c in self.board.columns]
        self.board, self.cursor = board, new_cursor
        if not same_shape:
            await self.remove_children()
            await self.mount_all(
                ColumnView(column, board.kind, index) for index, column in enumerate(board.columns)
            )
            self._fit_columns()  # which brings the cursor's column into view
        else:
            # The cursor may have followed its card (or a filter's match) to a column
            # out of view: show it, or the board looks empty while it is not.
            self._keep_cursor_column_visible()
        self._paint_all()
        self.post_message(self.CursorMoved(self.current))

    def _paint_all(self) -> None:
        for index, view in enumerate(self.columns):
            selected = self.cursor.row if index == self.cursor.column else None
            view.show(self.board.columns[index], self.board.kind, selected)

    def _go(self, target: Cursor) -> None:
        self._bottom_asked = False  # a move after G, before the cards arrived, wins
        if target == self.cursor:
            return
        views = self.columns
        old = self.cursor
        self.cursor = target
        if old.column != target.column:
            views[old.column].select(None)
            self._keep_cursor_column_visible()
        views[target.column].select(target.row)
        self.post_message(self.CursorMoved(self.current))

    def select(self, column: int, row: int) -> None:
        self._go(cursor_maths.clamp(self.board, Cursor(column, row)))

    def select_iid(self, iid: int) -> bool:
        found = self.board.find(iid)
        if found is not None:
            self._go(Cursor(*found))
        return found is not None

    # -- actions ----------------------------------------------------------------------------

    def action_cursor(self, columns: int, rows: int) -> None:
        if columns:
            self.action_jump(self.cursor.column + columns)
        else:
            self._go(cursor_maths.move(self.board, self.cursor, rows=rows))

    def action_jump(self, column: int) -> None:
        if not 0 <= column < len(self.board.columns) or column == self.cursor.column:
            return
        views = self.columns
        here, there = views[self.cursor.column], views[column]
        # Land on the card at the same height on screen, not the same index.
        slot = self.cursor.row - here.top
        self._go(cursor_maths.to_column(self.board, self.cursor, column, there.top + slot))

    def action_edge(self, bottom: bool) -> None:
        column = self.board.columns[self.cursor.column] if self.board.columns else None
        self._go(cursor_maths.to_edge(self.board, self.cursor, bottom=bottom))
        self._bottom_asked = bottom and column is not None and not column.complete

    def action_page(self, direction: int) -> None:
        page = self.columns[self.cursor.column].visible_cards if self.columns else 1
        self._go(cursor_maths.move(self.board, self.cursor, rows=direction * page))

    def on_column_view_card_clicked(self, message: ColumnView.CardClicked) -> None:
        self.focus()
        self.select(message.column_index, message.row)
