"""Short human phrases for card and pane fields."""

from __future__ import annotations

from datetime import UTC, datetime

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


def update_phrase(card: Card) -> str:
    days = card.days_since_update
    if days is None:
        return "no update"
    return "upd today" if days == 0 else f"upd {days}d"


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
