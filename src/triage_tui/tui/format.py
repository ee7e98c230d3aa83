"""Short human phrases for card and pane fields, and a title that drops its hint."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import UTC, datetime

from textual.content import Content
from textual.css.styles import RulesMap
from textual.strip import Strip
from textual.style import Style
from textual.visual import RenderOptions, Visual

from triage_tui.domain.health import Health
from triage_tui.domain.issue import Card


def renewal_phrase(days: int | None, *, short: bool = False) -> str:
    """ "renew 17d", "renewal 16d ago". `short` (on cards, 10 cells or so beside a region and
    NEW at 80 columns): "renew -16d", "renew 0d", never clipped to "renewal 16d …", which
    would read as a renewal to come."""
    if days is None:
        return "renewal ?"
    if days < 0:
        return f"renew -{-days}d" if short else f"renewal {-days}d ago"
    if days == 0:
        return "renew 0d" if short else "renews today"
    return f"renew {days}d"


def update_phrase(card: Card, *, short: bool = False) -> str:
    """ "upd 3d", "upd today", "no update"; `short` ("upd 0d", "no upd") where a card's
    third line is crowded with flags."""
    days = card.days_since_update
    if days is None:
        return "no upd" if short else "no update"
    if days == 0:
        return "upd 0d" if short else "upd today"
    return f"upd {days}d"


def days_ago(days: int) -> str:
    return "today" if days == 0 else "yesterday" if days == 1 else f"{days} days ago"


def last_update_phrase(card: Card) -> str:
    """ "2026-11-20, 4 days ago": the day, and days counted against the board's today, as
    the card's "upd 4d" is (a wall-clock age would disagree with it across midnight).
    Without an update, how long ago the issue was opened, where the weekly clock started:
    "none yet, opened 3 days ago"."""
    at = card.summary.last_update_at
    days = card.days_since_update
    if at is None or days is None:
        opened = card.days_open
        return "never" if opened is None else f"none yet, opened {days_ago(opened)}"
    return f"{at.date().isoformat()}, {days_ago(days)}"


def silent_phrase(card: Card) -> str:
    """Why a silent issue is on the ER call: how long since its weekly update, or, with
    none yet, since it was opened (the weekly clock's start)."""
    days, opened = card.days_since_update, card.days_open
    if days is not None:
        return f"no weekly update for {days} days"
    if opened is not None:
        return f"no weekly update since it was opened {days_ago(opened)}"
    return "never updated"


def money_phrase(value: float) -> str:
    """An ARR in a few cells: "950", "85k", "1.2M", "3.4B" (the org's currency)."""
    if value >= 999_950_000:
        return f"{value / 1e9:.1f}B"
    if value >= 999_500:
        return f"{value / 1e6:.1f}M"
    if value >= 1000:
        return f"{value / 1000:.0f}k"
    return f"{max(0.0, value):.0f}"


def people_text(people: Sequence[str], outside: Collection[str]) -> Content:
    """ "@alice, @bob ✗": a role's people, one who is not a project member marked ✗ in the
    warning style (GitLab does not take them as an assignee); "—" for nobody."""
    if not people:
        return Content.styled("—", "$text-muted")
    parts: list[Content | str | tuple[str, str]] = []
    for index, person in enumerate(people):
        parts.append(", " if index else "")
        parts.append((f"@{person} ✗", "bold $warning") if person in outside else f"@{person}")
    return Content.assemble(*parts)


def not_member_line(person: str, fix: str) -> str:
    """What the detail pane and the team screen say of a person GitLab dropped."""
    return (
        f"✗ @{person} is not a member of the project: GitLab does not take them as an "
        f"assignee ({fix})."
    )


def health_text(health: Health | None, *, several: bool = False) -> str:
    if several:
        return "HEALTH?"
    return health.label.upper() if health is not None else "NO HEALTH"


def age_phrase(moment: datetime | None, now: datetime | None = None) -> str:
    """ "3 min ago" style age of a timestamp."""
    if moment is None:
        return "never"
    now = now or datetime.now(UTC)
    seconds = max(0, int((now - moment).total_seconds()))
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{seconds // 60} min ago"
    if seconds < 86400:
        return f"{seconds // 3600} h ago"
    return f"{seconds // 86400} d ago"


class WithHint(Visual):
    """One line: `main`, then `hint` only when both fit the width the line is drawn at
    (decided at every render, so a resize needs no update). A `main` too wide on its own
    ends in "…" instead of wrapping out of a one-line bar."""

    def __init__(self, main: Content, hint: Content) -> None:
        self.main = main
        self.full = main + hint

    def _pick(self, width: int) -> Content:
        if self.full.cell_length <= width:
            return self.full
        if self.main.cell_length <= width:
            return self.main
        return self.main.truncate(width, ellipsis=True)

    def render_strips(
        self, width: int, height: int | None, style: Style, options: RenderOptions
    ) -> list[Strip]:
        return self._pick(width).render_strips(width, height, style, options)

    def get_optimal_width(self, rules: RulesMap, container_width: int) -> int:
        return self.full.cell_length

    def get_height(self, rules: RulesMap, width: int) -> int:
        return 1
