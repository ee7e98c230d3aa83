"""Does the board keep answering during a big sync? The worst event-loop stall, measured.

    .venv/bin/python bench/sync_stall.py [--count 10000]

Starts the GitLab emulator with COUNT issues, opens the board on an empty cache
(headless, 120x40), starts a sync from the board (the `s` key), and while it runs
ticks a 10 ms timer on the app's event loop and moves the cursor with j/k every
50 ms (key posted, timed until the cursor moved). Reports
the longest gap between ticks during the sync (a stall a person would feel as a
frozen board), the key-to-handled time of the presses, and the same gap with no
sync running (the floor, measured in the same run).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

from textual import events

from _emulator import gitlab_emulator
from triage_tui.config import Settings
from triage_tui.demo_data import PROJECT_PATH
from triage_tui.services import TriageService
from triage_tui.tui.app import TriageApp
from triage_tui.tui.board_view import BoardView

TOKEN = "bench-token"


async def measure(app: TriageApp, *, sync: bool, seconds: float) -> dict[str, float]:
    gaps: list[float] = []
    last = started = time.perf_counter()

    def tick() -> None:
        nonlocal last
        now = time.perf_counter()
        gaps.append(now - last)
        if os.environ.get("SHOW_STALLS") and now - last > 0.05:
            status = getattr(app.screen, "sync_status", "")
            print(f"  stall {1000 * (now - last):.0f} ms at {now - started:.1f} s ({status})")
        last = now

    async with app.run_test(size=(120, 40)) as pilot:
        view = app.screen.query_one(BoardView)
        timer = app.set_interval(0.01, tick)
        await pilot.pause(0.3)
        gaps.clear()
        last = time.perf_counter()
        if sync:
            await pilot.press("s")
        started = time.perf_counter()
        presses: list[float] = []
        while time.perf_counter() - started < seconds:
            # A key posted as the terminal driver would, timed until the cursor moved
            # (Pilot's press waits for the whole app to go idle, which a sync never is).
            row = view.cursor.row
            key = "k" if row else "j"
            before = time.perf_counter()
            app.post_message(events.Key(key, key))
            while view.cursor.row == row and time.perf_counter() - before < 2:
                await asyncio.sleep(0.001)
            if view.cursor.row != row:
                presses.append(time.perf_counter() - before)
            await asyncio.sleep(0.05)
            if sync and not app.screen.sync_status and time.perf_counter() - started > 1:  # type: ignore[attr-defined]
                await pilot.pause(1.0)  # the last reload
                break
        elapsed = time.perf_counter() - started
        timer.stop()
        total = view.board.total
    return {
        "elapsed": elapsed,
        "worst_gap_ms": max(gaps) * 1000 if gaps else 0.0,
        "p99_gap_ms": statistics.quantiles(gaps, n=100)[98] * 1000 if len(gaps) > 100 else 0.0,
        "press_median_ms": statistics.median(presses) * 1000 if presses else 0.0,
        "press_max_ms": max(presses) * 1000 if presses else 0.0,
        "cards": float(total),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=10_000)
    args = parser.parse_args()
    os.environ["GITLAB_TOKEN"] = TOKEN
    os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"
    workdir = Path(tempfile.mkdtemp())
    os.environ["XDG_CONFIG_HOME"] = str(workdir / "xdg")
    with gitlab_emulator(args.count, TOKEN) as url:

        def app(name: str) -> TriageApp:
            cache = workdir / f"{name}.db"
            settings = Settings(
                gitlab_url=url, project=PROJECT_PATH, cache_path=cache, sync_interval=0
            )
            service = TriageService(cache, settings=settings, create=True)
            return TriageApp(
                service, today=date.today(), poll_seconds=float(os.environ.get("POLL", "1.0"))
            )

        idle = asyncio.run(measure(app("idle"), sync=False, seconds=3.0))
        busy = asyncio.run(measure(app("busy"), sync=True, seconds=300.0))
    print(f"board during a full sync of {args.count} issues (headless, 120x40):")
    for name, result in (("no sync (floor)", idle), ("during sync", busy)):
        print(
            f"  {name:<16} worst gap {result['worst_gap_ms']:6.1f} ms   "
            f"p99 {result['p99_gap_ms']:5.1f} ms   key press median "
            f"{result['press_median_ms']:5.1f} ms, max {result['press_max_ms']:5.1f} ms   "
            f"({result['elapsed']:.1f} s, "
            f"{result['cards']:.0f} cards at the end)"
        )


if __name__ == "__main__":
    main()
