"""Cursor maths for the board: pure, so it is tested without a terminal."""

from __future__ import annotations

from dataclasses import dataclass

from triage_tui.domain.board import Board


@dataclass(frozen=True, slots=True)
class Cursor:
    column: int = 0
    row: int = 0


def clamp(board: Board, cursor: Cursor) -> Cursor:
    """The nearest valid position: an empty column keeps row 0."""
    if not board.columns:
        return Cursor(0, 0)
    column = min(max(cursor.column, 0), len(board.columns) - 1)
    size = len(board.columns[column])
    row = min(max(cursor.row, 0), max(size - 1, 0))
    return Cursor(column, row)


def move(board: Board, cursor: Cursor, *, columns: int = 0, rows: int = 0) -> Cursor:
    """Move by whole columns and rows, stopping at the edges (no wrap-around)."""
    return clamp(board, Cursor(cursor.column + columns, cursor.row + rows))


def to_column(
    board: Board, cursor: Cursor, column: int, remembered_row: int | None = None
) -> Cursor:
    """Jump to a column, landing on the row last used there (or the same row) if it exists."""
    row = cursor.row if remembered_row is None else remembered_row
    return clamp(board, Cursor(column, row))


def to_edge(board: Board, cursor: Cursor, *, bottom: bool) -> Cursor:
    size = len(board.columns[cursor.column]) if board.columns else 0
    return clamp(board, Cursor(cursor.column, size - 1 if bottom else 0))


def follow(old: Board, cursor: Cursor, new: Board) -> Cursor:
    """Where the cursor goes after the board is rebuilt: onto the same card if it is still
    there, else the same column (by key) and row, clamped. When the card left and its
    column is now empty (the last ~New card of a column was reviewed), the cursor goes to
    the nearest column that has cards, so walking a queue never strands it."""
    if old.columns and 0 <= cursor.column < len(old.columns):
        column = old.columns[cursor.column]
        landed = clamp(new, cursor)
        for index, candidate in enumerate(new.columns):
            if candidate.key == column.key:
                landed = clamp(new, Cursor(index, cursor.row))
                break
        if 0 <= cursor.row < len(column):
            found = new.find(column.cards[cursor.row].iid)
            if found is not None:
                return Cursor(*found)
            # The card left (its column may be empty now, or gone).
            return _nearest_cards(new, landed)
        # The cursor was on an empty column the person chose: it stays there.
        return landed
    return clamp(new, cursor)


def _nearest_cards(board: Board, cursor: Cursor) -> Cursor:
    if not board.columns or len(board.columns[cursor.column]):
        return cursor
    count = len(board.columns)
    for distance in range(1, count):
        for index in (cursor.column + distance, cursor.column - distance):
            if 0 <= index < count and len(board.columns[index]):
                return Cursor(index, 0)
    return cursor
