"""One board column drawn with the Line API: only the visible lines are rendered.

A widget per card cannot reach first paint at 10,000 cards in time (see
docs/performance.md), so a column is one widget that draws its cards from a
tuple of view-models, and a cursor move repaints only the two cards involved.
"""

from __future__ import annotations

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.geometry import Region
from textual.message import Message
from textual.strip import Strip
from textual.widget import Widget

from triage_tui.domain.board import NO_HEALTH, NO_REGION, BoardKind, Column
from triage_tui.domain.er_call import STALE_SCORE_DAYS
from triage_tui.domain.health import Health
from triage_tui.domain.history import UNKNOWN, WeekColour, week_mark
from triage_tui.domain.issue import Card, iid_text
from triage_tui.tui.format import health_text, money_phrase, renewal_phrase, update_phrase

#: Lines per card: three of text and one gap.
CARD_HEIGHT = 4
#: Lines above the cards: the column header and a rule.
HEADER_HEIGHT = 2

#: Card tags, the same words the outbox (`o`) and the `?` legend use.
FAILED_TAG = "✗ edit"  # an edit GitLab refused, or one in conflict: the outbox says which
PENDING_TAG = "⧗"  # edits waiting to be pushed
LEADER_TAG = "⚠ lead"  # Red, and no TAM leader or CS manager/director on the team (rule 1)
PROBLEM_TAG = "⚑"  # two health labels, a missing template field or team role
NOT_MEMBER_MARK = "✗"  # after the TAM: not a project member (GitLab dropped them)
MISMATCH_TAG = "≠SF"  # the health label is not the account's score in Salesforce
#: Where columns lie out of view, on the rule under the headers.
MORE_LEFT, MORE_RIGHT = "«", "»"

_HEALTH_CLASS = {
    Health.RED: "health--red",
    Health.AMBER: "health--amber",
    Health.YELLOW: "health--yellow",
    Health.GREEN: "health--green",
}


def _fit(text: str, width: int) -> str:
    """Clip (or pad) to exactly `width` cells, so wide text never breaks the board's shape."""
    if width <= 0:
        return ""
    if cell_len(text) > width:
        return set_cell_size(text, width - 1) + "…"
    return set_cell_size(text, width)


def _tags_width(tags: list[tuple[str, Style]]) -> int:
    """Cells taken by right-hand tags: each is preceded by a space; one of margin at the end."""
    return sum(cell_len(text) + 1 for text, _ in tags)


class ColumnView(Widget):
    """A column of cards. Not focusable: the board owns focus, so moving between
    columns never moves focus (a focus change repaints both columns in full)."""

    COMPONENT_CLASSES = {
        "column--header",
        "column--header-active",
        "column--rule",
        "card",
        "card--selected",
        "card--closed",
        "card--muted",
        "tag--new",
        "tag--overdue",
        "tag--pending",
        "tag--failed",
        "tag--problem",
        "tag--leader",
        "tag--not-member",
        "tag--mismatch",
        "column--more",
        "health--red",
        "health--amber",
        "health--yellow",
        "health--green",
        "health--none",
    }

    class CardClicked(Message):
        def __init__(self, column_index: int, row: int) -> None:
            self.column_index = column_index
            self.row = row
            super().__init__()

    def __init__(self, column: Column, kind: BoardKind, index: int) -> None:
        super().__init__(classes="board-column")
        self.column = column
        self.kind = kind
        self.index = index
        self.selected: int | None = None
        self.top = 0
        self.more_left = False
        """Columns lie out of view to the left (this is the leftmost in view)."""
        self.more_right = False
        """Columns lie out of view to the right (this is the rightmost in view)."""

    # -- geometry ---------------------------------------------------------------------------

    @property
    def visible_cards(self) -> int:
        return max(1, (self.size.height - HEADER_HEIGHT) // CARD_HEIGHT)

    def _card_region(self, row: int) -> Region:
        return Region(
            0, HEADER_HEIGHT + (row - self.top) * CARD_HEIGHT, self.size.width, CARD_HEIGHT
        )

    def _reveal(self, row: int) -> bool:
        """Scroll so `row` is visible; True if the view moved."""
        if not self.size.height:
            return False  # Not laid out yet: on_resize scrolls once the height is known.
        top = self.top
        if row < top:
            top = row
        elif row >= top + self.visible_cards:
            top = row - self.visible_cards + 1
        top = max(0, min(top, max(0, len(self.column) - self.visible_cards)))
        moved = top != self.top
        self.top = top
        return moved

    # -- updates from the board -------------------------------------------------------------

    def show(self, column: Column, kind: BoardKind, selected: int | None) -> None:
        """New contents (a rebuilt board): repaint everything."""
        self.column, self.kind, self.selected = column, kind, selected
        self.top = min(self.top, max(0, len(column) - 1))
        if selected is not None:
            self._reveal(selected)
        self.refresh()

    def select(self, row: int | None) -> None:
        """Move the highlight, repainting only what changed."""
        old, self.selected = self.selected, row
        if row is not None and self._reveal(row):
            self.refresh()
            return
        if old != row:
            # The header shows the position ("2/63") as well as the active colour.
            self.refresh(Region(0, 0, self.size.width, 1))
        for changed in {old, row} - {None}:
            assert changed is not None
            self.refresh(self._card_region(changed))

    def mark_edges(self, *, left: bool, right: bool) -> None:
        """Show (on the rule) that more columns lie out of view beside this one."""
        if (left, right) != (self.more_left, self.more_right):
            self.more_left, self.more_right = left, right
            self.refresh(Region(0, 1, self.size.width, 1))

    def on_resize(self, event: events.Resize) -> None:
        if self.selected is not None and self._reveal(self.selected):
            self.refresh()

    # -- input ------------------------------------------------------------------------------

    def on_click(self, event: events.Click) -> None:
        if event.y >= HEADER_HEIGHT:
            row = self.top + (event.y - HEADER_HEIGHT) // CARD_HEIGHT
            if row < len(self.column):
                self.post_message(self.CardClicked(self.index, row))

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        self._scroll_by(1)

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        self._scroll_by(-1)

    def _scroll_by(self, cards: int) -> None:
        top = max(0, min(self.top + cards, max(0, len(self.column) - self.visible_cards)))
        if top != self.top:
            self.top = top
            self.refresh()

    # -- drawing ----------------------------------------------------------------------------

    def _style(self, name: str) -> Style:
        """A full style (with background) for surfaces."""
        return self.get_component_rich_style(name)

    def _overlay(self, name: str) -> Style:
        """A partial style (no inherited background) to put on top of a surface."""
        return self.get_component_rich_style(name, partial=True)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if y == 0:
            return self._header(width)
        if y == 1:
            return self._rule(width)
        line = y - HEADER_HEIGHT
        row, part = self.top + line // CARD_HEIGHT, line % CARD_HEIGHT
        base = self._style("card")
        if row >= len(self.column) or part == CARD_HEIGHT - 1:
            if row == 0 and not self.column.cards and part == 0:
                return Strip([Segment(_fit(" (empty)", width), self._style("card--muted"))])
            return Strip.blank(width, self.rich_style)
        card = self.column.cards[row]
        selected = row == self.selected
        return self._card_line(card, part, width, selected, base)

    def _header(self, width: int) -> Strip:
        active = self.selected is not None
        style = self._style("column--header-active" if active else "column--header")
        count = str(self.column.count)
        if active and self.column.cards:
            count = f"{(self.selected or 0) + 1}/{count}"
        title = f" {self.column.title}"
        room = width - cell_len(count) - 2
        if self.top > 0:
            count = "▲" + count
            room -= 1
        return Strip([Segment(_fit(title, room) + count + " ", style)]).crop_extend(0, width, style)

    def _rule(self, width: int) -> Strip:
        rule, more = self._style("column--rule"), self._style("column--more")
        left = MORE_LEFT if self.more_left and width > 1 else ""
        right = MORE_RIGHT if self.more_right and width > 2 else ""
        middle = "─" * max(0, width - len(left) - len(right))
        return Strip([Segment(left, more), Segment(middle, rule), Segment(right, more)])

    def _card_line(self, card: Card, part: int, width: int, selected: bool, base: Style) -> Strip:
        """Line `part` of a card. Left text is clipped first so the right-hand tags
        (renewal, NEW, pending, overdue, flags) always stay whole.

        1: `#iid title`          250k ≠SF ✗ edit / ⧗
        2: `HEALTH REGION`       renew 17d NEW
        3: `@tam ✗`              SF Red 40d upd 3d (or closed) ⚠ lead ⚑

        ARR and Salesforce's score (with its age) show when the issue's account is
        cached, ≠SF where the label is not that score; ✗ after a TAM who is not a member
        of the project.
        """
        surface = self._style("card--selected") if selected else base
        if card.closed:
            surface += self._overlay("card--closed")
        health = card.health
        health_style = self._overlay(
            _HEALTH_CLASS[health] if health is not None else "health--none"
        )
        left: list[tuple[str, Style]] = []
        right: list[tuple[str, Style]] = []
        mark = ""  # kept after the (clipped) left text
        account = card.summary.account
        if part == 0:
            left.append((f"{iid_text(card.iid)} {card.summary.title}", Style(bold=True)))
            if account is not None and account.arr is not None:
                # Plain, as the padding before it: no style change to send (bench/board.py
                # counts the bytes a cursor move writes; a muted colour added ~0.4 kB).
                right.append((money_phrase(account.arr), Style()))
            if card.salesforce_differs:
                # A mark among the card's flags, never crowded out; line 3 says the score.
                right.append((MISMATCH_TAG, self._overlay("tag--mismatch")))
            if card.summary.failed_edits:
                right.append((FAILED_TAG, self._overlay("tag--failed")))
            elif card.summary.pending_edits:
                right.append((PENDING_TAG, self._overlay("tag--pending")))
        elif part == 1:
            # The Colours board's column already names the health; show it on the card
            # wherever the column does not (Region board, "Data problem"), and the region
            # wherever its column does not ("No region" says it, as "No health" does).
            key = self.column.key
            if self.kind is BoardKind.REGION or (self.column.health is None and key != NO_HEALTH):
                several = len(card.reading.healths) > 1
                left.append(
                    (health_text(health, several=several) + " ", health_style + Style(bold=True))
                )
            if self.kind is BoardKind.COLOURS or (self.column.region is None and key != NO_REGION):
                where = (
                    "REGION?"
                    if len(card.reading.regions) > 1
                    else (card.region.label if card.region is not None else "no region")
                )
                left.append((where, Style()))
            right.append((renewal_phrase(card.days_to_renewal, short=True), Style()))
            if card.is_new:
                right.append(("NEW", self._overlay("tag--new")))
            return self._draw(
                width, surface, health_style, left, right, trend=self._trend(card.trend)
            )
        else:
            left.append((f"@{card.summary.tam}" if card.summary.tam else "no TAM", Style()))
            if card.summary.tam_member is False:
                mark = " " + NOT_MEMBER_MARK
            return self._people_line(card, width, surface, health_style, left, mark=mark)
        return self._draw(width, surface, health_style, left, right)

    def _people_line(
        self,
        card: Card,
        width: int,
        surface: Style,
        health_style: Style,
        left: list[tuple[str, Style]],
        *,
        mark: str,
    ) -> Strip:
        """The third line: the TAM, Salesforce's score and its age, the last update, the
        flags. Crowded (the TAM would not keep 10 cells, or a shorter name whole), the
        Salesforce part and the update phrase shorten in turn: the score's word goes first
        where it agrees with the label (the column or line 2 names that colour), then "no
        update" becomes "no upd", then the score's age goes, then the rest of it (line 1's
        ≠SF still marks a mismatch)."""
        salesforce = self._salesforce_forms(card)
        if card.closed:
            # No weekly updates are due on a closed issue: say it is closed instead.
            update = [("closed", Style())]
        else:
            style = self._overlay("tag--overdue") if card.update_overdue else Style()
            update = [(update_phrase(card), style), (update_phrase(card, short=True), style)]
        flags: list[tuple[str, Style]] = []
        if card.red_without_leader:
            flags.append((LEADER_TAG, self._overlay("tag--leader")))
        if card.reading.problems or card.summary.missing_roles:
            flags.append((PROBLEM_TAG, self._overlay("tag--problem")))
        # Shortening steps, in order: (Salesforce form, update form).
        account = card.summary.account
        steps = [(0, 0)]
        if account is not None and account.health is not None and not card.salesforce_differs:
            steps.append((1, 0))  # "SF 40d": the label says the colour already
        if flags or account is not None:  # (alone, "no update" keeps its words: it fits)
            steps.append((steps[-1][0], len(update) - 1))
        steps += [(n, len(update) - 1) for n in range(steps[-1][0] + 1, len(salesforce))]
        # The TAM is kept whole up to 10 cells ("@alexandra" ...), with its mark.
        needed = min(10, cell_len(left[0][0])) + cell_len(mark)
        for sf_form, update_form in steps:
            right = [*salesforce[sf_form], update[update_form], *flags]
            if width - 3 - _tags_width(right) >= needed:
                break
        return self._draw(width, surface, health_style, left, right, mark=mark)

    def _salesforce_forms(self, card: Card) -> list[list[tuple[str, Style]]]:
        """The Salesforce part of the third line, longest first (the last may be empty):
        "SF Red 40d" / "SF Red" where the label differs ("SF" in the warning style, as
        line 1's ≠SF), "SF Red 40d" / "SF 40d" where it agrees, "SF no score" / "SF none";
        nothing without a cached account. An age past STALE_SCORE_DAYS (or none) is in
        the warning style."""
        account = card.summary.account
        if account is None:
            return [[]]
        days = card.days_since_score
        age = f"{days}d" if days is not None else "?d"
        stale = days is None or days > STALE_SCORE_DAYS
        age_style = self._overlay("tag--overdue") if stale else Style()
        score = account.health
        if score is None:
            return [[("SF no score", Style())], [("SF none", Style())], []]
        # The word, plain: the bar and the column show the label's colour, and a colour
        # per card line costs the bytes of two style changes on every repaint.
        word = (score.label, Style())
        if card.salesforce_differs:
            sf = ("SF", self._overlay("tag--mismatch"))
            return [[sf, word, (age, age_style)], [sf, word], []]
        return [[("SF", Style()), word, (age, age_style)], [("SF", Style()), (age, age_style)], []]

    def _trend(self, weeks: tuple[WeekColour, ...]) -> list[tuple[str, Style]]:
        """The card's trend as runs of marks, oldest first: one cell a week, the colour's
        initial (R A Y G), "-" for no health label, "·" for a week not known; each in its
        colour, but readable without any (16 colours, TERM=linux, a monochrome screen).
        A run of equal weeks is one piece: one style change, not one a week."""
        runs: list[tuple[str, Style]] = []
        for week in weeks:
            text = week_mark(week)
            if runs and runs[-1][0][-1] == text:
                runs[-1] = (runs[-1][0] + text, runs[-1][1])
                continue
            if week is UNKNOWN:
                style = self._overlay("card--muted")
            elif isinstance(week, Health):
                style = self._overlay(_HEALTH_CLASS[week])
            else:
                style = self._overlay("health--none")
            runs.append((text, style))
        return runs

    def _draw(
        self,
        width: int,
        surface: Style,
        health_style: Style,
        left: list[tuple[str, Style]],
        right: list[tuple[str, Style]],
        *,
        mark: str = "",
        trend: list[tuple[str, Style]] | None = None,
    ) -> Strip:
        # Plain pieces (a null Style) go into one run of the surface's style with the
        # spaces around them: every segment is written with its own style codes, and a
        # card line of a dozen pieces cost ~0.2 kB more per repaint (bench/board.py).
        segments = [Segment("▌", surface + Style(color=health_style.color))]
        run = [" "]

        def add(text: str, style: Style) -> None:
            if not style:
                run.append(text)
                return
            if run:
                segments.append(Segment("".join(run), surface))
                run.clear()
            segments.append(Segment(text, surface + style))

        room = max(0, width - 3 - _tags_width(right) - cell_len(mark))
        for text, style in left:
            if room <= 0:
                break
            clipped = _fit(text, room) if cell_len(text) > room else text
            add(clipped, style)
            room -= cell_len(clipped)
        if mark:
            add(mark, self._overlay("tag--not-member"))
        if trend:
            # After the left text, as many of the latest weeks as fit (two at least), so
            # the card never widens and the right-hand tags stay whole.
            weeks = sum(cell_len(text) for text, _ in trend)
            shown = min(weeks, room - 1)
            if shown >= 2:
                run.append(" ")
                skip = weeks - shown
                for text, style in trend:
                    piece, skip = text[skip:], max(0, skip - len(text))
                    if piece:
                        add(piece, style)
                room -= shown + 1
        run.append(" " * room)
        for text, style in right:
            run.append(" ")
            add(text, style)
        if run:
            segments.append(Segment("".join(run), surface))
        return Strip(segments).crop_extend(0, width, surface)
