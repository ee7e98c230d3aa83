"""What the service's parts (edits, the ER call) are built with."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from triage_tui.config import Settings
    from triage_tui.store import Cache


@dataclass(frozen=True, slots=True)
class Parts:
    """Each is asked when used, not copied: the cache is the calling thread's own
    connection, and a test may set the service's clock or settings afterwards."""

    cache: Callable[[], Cache]
    user: str
    """Whose edits these are: each person pushes their own, with their own token."""
    today: Callable[[], date]
    now: Callable[[], datetime]
    settings: Callable[[], Settings]
