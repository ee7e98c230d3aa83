"""Waiting for GitLab's rate limit in plain sight.

GitLab.com allows an authenticated user 2,000 API requests a minute; a first sync of
10,000 issues (one notes request per issue) needs five minutes of them. Over the limit
GitLab answers 429 with `Retry-After` (seconds until the window resets) and
`RateLimit-Reset` (its Unix time): doc/administration/settings/user_and_ip_rate_limits.md,
"Response headers".

python-gitlab would retry a 429 itself (obey_rate_limit): it sleeps Retry-After inside
http_request, at most `max_retries` times, and nobody sees why the sync stopped moving.
The adapter turns that off and waits here instead: one pause shared by every thread of
the sync (the notes are fetched four at a time, and all four hit the same limit), counted
in `waited` and reported second by second through `on_wait`.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Mapping
from email.utils import parsedate_to_datetime

from triage_tui.sync.errors import SyncError

#: A wait GitLab asks for beyond this is not waited out: the sync stops and says so.
#: (GitLab.com's API windows are a minute; longer ones belong to other limits, such as
#: project exports.)
MAX_WAIT = 300.0


class RateLimitTooLong(SyncError):
    """GitLab asks for a wait longer than MAX_WAIT."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        minutes = math.ceil(seconds / 60)
        super().__init__(
            f"GitLab's rate limit asks this token to wait {minutes} min; the sync stopped "
            "and will go on from here next time (nothing is lost)."
        )


def retry_after(headers: Mapping[str, str], *, now: float) -> float | None:
    """Seconds GitLab asks to wait, from a 429's headers: Retry-After (seconds, or an
    HTTP date), else RateLimit-Reset (Unix time). None when it says nothing."""
    value = (headers.get("Retry-After") or "").strip()
    if value:
        try:
            return max(0.0, float(value))
        except ValueError:
            pass
        try:
            return max(0.0, parsedate_to_datetime(value).timestamp() - now)
        except (TypeError, ValueError):
            pass
    reset = (headers.get("RateLimit-Reset") or "").strip()
    if reset:
        try:
            return max(0.0, float(reset) - now)
        except ValueError:
            pass
    return None


class RateLimitGate:
    """One pause for all the threads of a sync. Thread-safe."""

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._until = 0.0
        self._reporting = threading.Lock()
        self.waited = 0.0
        """Seconds the sync spent held by the rate limit (overlapping waits of several
        threads count once)."""
        self.waits = 0
        """How many times GitLab said 429."""
        self.on_wait: Callable[[int, int], None] | None = None
        """(seconds left, seconds of this pause): called about once a second while held."""

    def hold(self, seconds: float) -> None:
        """GitLab said wait `seconds`: every request waits until then."""
        if seconds > MAX_WAIT:
            raise RateLimitTooLong(seconds)
        with self._lock:
            now = self._clock()
            until = now + seconds
            if until > self._until:
                self.waited += until - max(now, self._until)
                self._until = until
            self.waits += 1

    def wait(self) -> None:
        """Block while a pause is on. One waiting thread reports the countdown."""
        reporter = self._reporting.acquire(blocking=False)
        try:
            total: int | None = None
            while True:
                with self._lock:
                    left = self._until - self._clock()
                if left <= 0:
                    return
                if reporter and self.on_wait is not None:
                    total = total if total is not None else math.ceil(left)
                    self.on_wait(math.ceil(left), total)
                self._sleep(min(1.0, left))
        finally:
            if reporter:
                self._reporting.release()
