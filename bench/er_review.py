"""Opening the ER call and reviewing a ~New card at 50,000 issues: a measurement, not a
test. Issue 16's target is at most 150 ms from the key to the last frame for each.

    .venv/bin/python bench/er_review.py [--size 50000] [--runs 3]

The board runs in a real pseudo-terminal at 120x40 (bench/_child.py `actions`): every
card loaded, then `E` (the ER call shown), `r` on the call's first ~New card, `escape`;
five times; then `R` (the board's ~New queue) and `r` five times. A key's time runs from
posting it to the last frame it caused. The empty Textual app's whole run (start, first
paint, exit) is measured in the same run as the yardstick.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from board import cache_for, run_in_pty

TARGET = 0.150


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--workdir", type=Path, default=Path(tempfile.gettempdir()) / "triage-bench"
    )
    args = parser.parse_args()
    args.workdir.mkdir(exist_ok=True)
    source = cache_for(args.size, args.workdir)
    floor: list[float] = []
    samples: dict[str, list[float]] = {}
    for _ in range(args.runs):
        floor.append(run_in_pty(["empty"])[0])
        # A fresh copy each run: the reviews are edits, and a call once started resumes.
        cache = args.workdir / f"actions-{args.size}.db"
        for journal in ("-wal", "-shm"):  # the last run's: SQLite would replay its edits
            Path(f"{cache}{journal}").unlink(missing_ok=True)
        cache.write_bytes(source.read_bytes())
        out = args.workdir / "actions.json"
        out.unlink(missing_ok=True)  # (a child that failed leaves none)
        run_in_pty(["actions", str(cache), str(out)])
        for name, times in json.loads(out.read_text()).items():
            samples.setdefault(name, []).extend(times)
    empty = statistics.median(floor)
    print(f"board of {args.size} issues, 120x40, key -> last frame, {args.runs} runs:")
    print(f"  empty Textual app, whole run (the yardstick)   {empty * 1000:7.1f} ms")
    for name, times in samples.items():
        ms = sorted(t * 1000 for t in times)
        median = statistics.median(ms)
        print(
            f"  {name:<14} median {median:7.1f} ms  max {ms[-1]:7.1f} ms  "
            f"{median / (TARGET * 1000):4.2f}x the 150 ms target  "
            f"{median / (empty * 1000):4.2f}x the empty app  (n={len(ms)})"
        )


if __name__ == "__main__":
    main()
