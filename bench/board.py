"""Board benchmarks, reported as ratios against an empty Textual app in the same run.

    .venv/bin/python bench/board.py [--runs 5] [--sizes 10000,50000]

Each app runs in a real pseudo-terminal at 120x40 (a Textual driver writing real
escape sequences), so bytes per cursor move are what an SSH session would carry.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import pty
import resource
import select
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
CHILD = HERE / "_child.py"


def run_in_pty(args: list[str], cols: int = 120, rows: int = 40) -> tuple[float, float]:
    """Run the child in a pty of cols x rows; (seconds, max RSS MiB of that child)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": str(cols), "LINES": str(rows)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, str(CHILD), *args],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        start_new_session=True,
    )
    os.close(slave)
    while proc.poll() is None:  # keep the pty drained so the child never blocks on write
        ready, _, _ = select.select([master], [], [], 0.05)
        if ready:
            try:
                os.read(master, 65536)
            except OSError:
                break
    proc.wait(timeout=120)
    elapsed = time.perf_counter() - start
    os.close(master)
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if proc.returncode:
        raise SystemExit(f"child {args} failed with {proc.returncode}")
    # ru_maxrss of children is the max over all of them: only meaningful when it grew.
    return elapsed, max(after, before) / 1024


def cache_for(size: int, workdir: Path) -> Path:
    path = workdir / f"bench-{size}.db"
    if not path.exists():
        from triage_tui.services import write_demo_cache

        write_demo_cache(path, today=date.today(), count=size)
    return path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sizes", default="10000,50000")
    parser.add_argument(
        "--workdir", type=Path, default=Path(tempfile.gettempdir()) / "triage-bench"
    )
    args = parser.parse_args()
    args.workdir.mkdir(exist_ok=True)
    sizes = [int(s) for s in args.sizes.split(",")]
    caches = {size: cache_for(size, args.workdir) for size in sizes}

    # Interleave runs so machine noise hits every variant alike. "board": the first paint
    # (each column's count and first cards), then exit; "full": exit once every card is
    # read and the whole board shown.
    variants = [(mode, size) for size in sizes for mode in ("board", "full")]
    times: dict[str, list[float]] = {"empty": [], **{f"{m} {s}": [] for m, s in variants}}
    rss: dict[str, float] = {}
    for _ in range(args.runs):
        seconds, _ = run_in_pty(["empty"])
        times["empty"].append(seconds)
        for mode, size in variants:
            seconds, _ = run_in_pty([mode, str(caches[size])])
            times[f"{mode} {size}"].append(seconds)
    # RSS: one fresh measurement per variant, each in its own interpreter, with every
    # card loaded.
    for name, argv in [("empty", ["empty"])] + [(str(s), ["full", str(caches[s])]) for s in sizes]:
        code = (
            "import resource, subprocess, sys;"
            f"subprocess.run([sys.executable, {str(CHILD)!r}, *{argv!r}], check=True,"
            " stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL);"
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
        )
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout
        rss[name] = int(out.strip()) / 1024

    floor = statistics.median(times["empty"])
    print(f"whole process, 120x40, median of {args.runs}, ratio to the empty app:")
    print(f"  empty Textual app, first paint, exit          {floor:6.3f} s   1.00x")
    for mode, size in variants:
        median = statistics.median(times[f"{mode} {size}"])
        what = "first paint, exit   " if mode == "board" else "every card shown, exit"
        print(f"  board of {size:>6} issues, {what:<22} {median:6.3f} s   {median / floor:4.2f}x")
    print("max RSS, every card loaded:")
    print(f"  empty Textual app        {rss['empty']:5.1f} MiB")
    for size in sizes:
        print(f"  board of {size:>6} issues {rss[str(size)]:5.1f} MiB")

    out = args.workdir / "cursor.json"
    run_in_pty(["cursor", str(caches[sizes[0]]), str(out)])
    result = json.loads(out.read_text())
    print(f"cursor, key posted -> last frame written, board of {sizes[0]} issues, 120x40:")
    for kind, label in (("down", "within a column"), ("right", "to the next column")):
        samples = result[kind]
        ms = [s * 1000 for s, _ in samples]
        kb = [b / 1000 for _, b in samples]
        print(
            f"  {label:<20} median {statistics.median(ms):5.1f} ms  p95 "
            f"{sorted(ms)[int(len(ms) * 0.95) - 1]:5.1f} ms   bytes median "
            f"{statistics.median(kb):4.1f} kB  max {max(kb):4.1f} kB  (n={len(ms)})"
        )


if __name__ == "__main__":
    main()
