"""Bytes per cursor move over a real `ssh -tt` login: a measurement, not a test.

    .venv/bin/python bench/ssh_bytes.py [--count 300] [--moves 40] [--size 80x24]

Starts a private sshd on 127.0.0.1 (tests/e2e/terminal.py; needs sshd, and root or
a user sshd accepts), logs in with `ssh -tt` inside a pseudo-terminal, opens the
installed board on a demo cache, and presses `j` (down a column) and `l` (to the next
column). For each move it counts what the terminal receives (the ssh client's output)
and what crossed the network (the bytes the ssh client read from its socket:
its read count in /proc, less the keys it read from the terminal).
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import select
import shlex
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: A move is over when the board has written nothing for this long.
QUIET = 0.3


def read_until_quiet(master: int, quiet: float = QUIET, limit: float = 20.0) -> bytes:
    """Everything the terminal receives until it has received nothing for `quiet` seconds."""
    out = bytearray()
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], quiet)
        if not ready:
            break
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    return bytes(out)


def bytes_read(pid: int) -> int:
    """Bytes the process has read so far, from its socket and its terminal alike."""
    for line in Path(f"/proc/{pid}/io").read_text().splitlines():
        if line.startswith("rchar:"):
            return int(line.split()[1])
    return 0


def measure(argv: list[str], cols: int, rows: int, moves: int) -> dict[str, list[tuple[int, int]]]:
    """Run `argv` (ssh) in a cols x rows pty; per key, (terminal bytes, network bytes)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, start_new_session=True)
    os.close(slave)
    try:
        first = read_until_quiet(master, quiet=2.0, limit=60)  # the first paint, and settling
        if b"Colours board" not in first:
            raise SystemExit(f"the board did not open:\n{first.decode(errors='replace')[-2000:]}")
        found: dict[str, list[tuple[int, int]]] = {}
        for key in ("j", "l"):
            samples = found.setdefault(key, [])
            for n in range(moves):
                # Back and forth: `l` stays within the board's columns.
                press = key if key == "j" or n % 2 == 0 else "h"
                before = bytes_read(proc.pid)
                os.write(master, press.encode())
                screen = read_until_quiet(master)
                # What ssh read: the encrypted screen update, and the key from the terminal.
                samples.append((len(screen), bytes_read(proc.pid) - before - len(press)))
        os.write(master, b"q")
        read_until_quiet(master, quiet=1.0)
        return found
    finally:
        if proc.poll() is None:
            proc.terminate()
        proc.wait(timeout=10)
        os.close(master)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=300, help="demo issues")
    parser.add_argument("--moves", type=int, default=40, help="presses of each key")
    parser.add_argument("--size", default="80x24", help="terminal COLSxROWS")
    args = parser.parse_args()
    cols, rows = (int(n) for n in args.size.split("x"))
    sys.path.insert(0, str(ROOT))
    from tests.e2e.terminal import board_argv, clean_env, private_sshd, write_demo_cache

    with tempfile.TemporaryDirectory(prefix="triage-ssh-bytes-") as top:
        work = Path(top)
        env = clean_env(work / "home")
        cache = write_demo_cache(work / "demo.db", env, count=args.count)
        with private_sshd(work / "sshd", env) as login:
            remote_env = {k: v for k, v in env.items() if k != "PATH"}
            remote = shlex.join(board_argv(cache, {**remote_env, "TERM": "xterm-256color"}))
            found = measure(login.argv(remote), cols, rows, args.moves)
    print(f"bytes per cursor move over ssh -tt, {cols}x{rows}, {args.count} demo issues:")
    labels = {"j": "down a column (j)", "l": "to the next column (l/h)"}
    for key, samples in found.items():
        screen = [s for s, _ in samples]
        network = [n for _, n in samples]
        print(
            f"  {labels[key]:<26} terminal median {statistics.median(screen):6.0f} B "
            f"max {max(screen):6d} B   network median {statistics.median(network):6.0f} B "
            f"(n={len(samples)})"
        )


if __name__ == "__main__":
    main()
