"""What the health history costs: the card read with every card's history, and a full
sync's label events (one request per issue: GitLab has no bulk form of them).

    .venv/bin/python bench/history.py [--cards 10000] [--issues 2000] [--runs 3]

Ratios in one run are what to read (the machine is shared and noisy).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from unittest import mock

TODAY = date(2026, 11, 24)


def _best(runs: int, work: object) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def card_read(count: int, runs: int) -> None:
    from triage_tui.domain.health import Health
    from triage_tui.domain.history import HealthChange
    from triage_tui.services import TriageService, write_demo_cache
    from triage_tui.store import Cache

    with tempfile.TemporaryDirectory() as tmp:
        path = write_demo_cache(Path(tmp) / "demo.db", today=TODAY, count=count)
        service = TriageService(path, today=lambda: TODAY)
        plain = _best(runs, service.cards)
        service.close()

        def at(days: int) -> datetime:
            return datetime.combine(TODAY - timedelta(days=days), clock(10), UTC)

        def history(iid: int) -> tuple[HealthChange, ...]:
            return (
                HealthChange(at(60 + iid % 40), Health.GREEN, "ann"),  # (each card its own)
                HealthChange(at(40), Health.YELLOW, "tim", "Neutral NPS"),
                HealthChange(at(25), Health.AMBER, "tim", "Loss of our champion"),
                HealthChange(at(9), Health.RED, "dora", "Told us they are cancelling"),
                HealthChange(at(2), Health.AMBER, "dora", "Exec sponsor back"),
            )

        cache = Cache.open(path)
        iids = [row[0] for row in cache.conn.execute("SELECT iid FROM issues")]
        start = time.perf_counter()
        cache.store_health_history({iid: history(iid) for iid in iids})
        stored = time.perf_counter() - start
        cache.close()
        service = TriageService(path, today=lambda: TODAY)
        with_history = _best(runs, service.cards)
        cards = service.cards()
        passes = []
        for page in range(5):  # five screens of 40 cards, each drawn once
            start = time.perf_counter()
            for card in cards[page * 40 : (page + 1) * 40]:
                _ = card.trend
            passes.append(time.perf_counter() - start)
        screen = statistics.median(passes)
        start = time.perf_counter()
        for _ in range(100):
            service.health_history(iids[0])
        detail = (time.perf_counter() - start) / 100
        service.close()
    print(
        f"card read, {count} cards: {plain:.3f} s without history, {with_history:.3f} s with "
        f"5 changes each ({with_history / plain:.2f}x); storing them all: {stored:.3f} s; "
        f"trends of one screen (40 cards): {screen * 1000:.2f} ms; one detail pane's history: "
        f"{detail * 1000:.2f} ms"
    )


def full_sync(count: int, runs: int) -> None:
    from triage_emulators.gitlab import GitLabEmulator
    from triage_tui.config import Settings
    from triage_tui.services import TriageService
    from triage_tui.sync import engine

    def once(skip_history: bool) -> float:
        with (
            tempfile.TemporaryDirectory() as tmp,
            GitLabEmulator.from_demo(TODAY, count=count, token="bench-token") as emu,
        ):
            import os

            os.environ["GITLAB_TOKEN"] = "bench-token"
            cache = Path(tmp) / "cache.db"
            config = Settings(gitlab_url=emu.url, project=emu.project.path, cache_path=cache)
            service = TriageService(cache, settings=config, create=True, today=lambda: TODAY)
            patch = mock.patch.object(engine, "_pull_history", lambda *a, **k: 0)
            start = time.perf_counter()
            if skip_history:
                with patch:
                    report = service.sync(full=True)
            else:
                report = service.sync(full=True)
            took = time.perf_counter() - start
            assert report.ok, report.error
            service.close()
            return took

    without = statistics.median(once(True) for _ in range(runs))
    with_events = statistics.median(once(False) for _ in range(runs))
    print(
        f"full sync, {count} issues (loopback): {without:.2f} s without the history phase, "
        f"{with_events:.2f} s with it ({with_events / without:.2f}x, {count} more requests)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cards", type=int, default=10_000)
    parser.add_argument("--issues", type=int, default=2_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    card_read(args.cards, args.runs)
    full_sync(args.issues, args.runs)


if __name__ == "__main__":
    main()
