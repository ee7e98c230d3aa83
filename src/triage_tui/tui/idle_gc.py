"""Full garbage collections when the person is idle, not in the middle of a key.

With 50,000 cards alive a full collection walks every one of them (90-200 ms), and
Python starts one whenever enough objects have survived: bench/er_review.py caught one
in every opening of the ER call and in reviews. Once the board is up, the automatic
full collections are off; one runs when no key has come for IDLE seconds, at most once
every EVERY seconds (the younger generations still collect as always, cheaply). The
cyclic garbage a full pass frees waits until then: a few seconds' worth.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable

#: No key for this long: a full collection would not be felt.
IDLE = 2.0
#: At most one full collection this often while the board is used.
EVERY = 30.0
#: Gen-1 collections before a full one: never, in practice (see IdleCollector.check).
NEVER = 1_000_000


class IdleCollector:
    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        collect: Callable[[], object] = gc.collect,
    ) -> None:
        self.clock = clock
        self.collect = collect
        self.last_input = self.last_full = clock()
        self._threshold: tuple[int, int, int] | None = None

    def start(self) -> None:
        """Automatic full collections off (the app's check() runs them at idle)."""
        self._threshold = gc.get_threshold()
        young, middle, _ = self._threshold
        gc.set_threshold(young, middle, NEVER)

    def stop(self) -> None:
        """As Python had it (the app is done; tests run many apps in one process)."""
        if self._threshold is not None:
            gc.set_threshold(*self._threshold)
            self._threshold = None

    def input(self) -> None:
        """A key (or click) came: the person is here."""
        self.last_input = self.clock()

    def check(self) -> bool:
        """Run a full collection if the person is idle and none ran for EVERY seconds."""
        now = self.clock()
        if now - self.last_input < IDLE or now - self.last_full < EVERY:
            return False
        self.collect()
        self.last_full = self.clock()
        return True
