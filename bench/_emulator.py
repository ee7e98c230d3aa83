"""The GitLab emulator in a process of its own, as GitLab would be, for the benchmarks:
its JSON work must not compete with the measured code for this process's GIL."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gitlab_emulator(
    count: int,
    token: str,
    latency: float = 0.0,
    rate_limit: int = 0,
    rate_window: float = 60.0,
) -> Iterator[str]:
    """Serve a demo project of `count` issues; yields the emulator's base URL."""
    argv = [sys.executable, "-m", "triage_emulators.cli", "gitlab", "--count", str(count)]
    argv += ["--token", token, "--latency", str(latency)]
    argv += ["--rate-limit", str(rate_limit), "--rate-window", str(rate_window)]
    emulator = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)
    try:
        assert emulator.stdout is not None
        yield emulator.stdout.readline().split(" at ", 1)[1].strip()
    finally:
        emulator.terminate()
        emulator.wait(timeout=10)
