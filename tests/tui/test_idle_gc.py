"""Full collections wait for the person to be idle (tui.idle_gc): never within IDLE
seconds of a key, at most once every EVERY seconds, and Python's automatic ones are off
only while an app runs."""

from __future__ import annotations

import gc

from tests.tui.helpers import board_app
from triage_tui.services import TriageService
from triage_tui.tui.idle_gc import EVERY, IDLE, NEVER, IdleCollector


def test_a_full_collection_runs_only_when_idle_and_not_too_often() -> None:
    now = [100.0]
    runs: list[float] = []
    collector = IdleCollector(clock=lambda: now[0], collect=lambda: runs.append(now[0]))
    now[0] += EVERY  # long since the last one, but a key just came
    collector.input()
    assert not collector.check()
    now[0] += IDLE - 0.1
    assert not collector.check() and runs == []
    now[0] += 0.2  # idle now
    assert collector.check() and runs == [now[0]]
    now[0] += EVERY - 1  # idle still, but one ran not long ago
    assert not collector.check()
    now[0] += 1
    assert collector.check() and len(runs) == 2


async def test_the_app_turns_automatic_full_collections_off_while_it_runs(
    service: TriageService,
) -> None:
    before = gc.get_threshold()
    app = board_app(service)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert gc.get_threshold()[2] == NEVER
        assert gc.get_threshold()[:2] == before[:2]
    assert gc.get_threshold() == before
