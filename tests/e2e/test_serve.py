"""`triage-tui serve` in a real browser: headless Chromium loads the page, keys are typed
into it, and what its terminal shows is read (tests/e2e/browser.py says how).

A follower (the plain link) sees the board, moves around it, and is told plainly that
it may only read when it presses an edit key; its board process holds no secret. The
edit link opens the host's own board, whose edit keys open their dialogs. A wrong edit
link is refused.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.browser import chromium, chromium_binary
from tests.e2e.terminal import TRIAGE_TUI, clean_env
from triage_tui.services import TriageService

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("e2e")]

CANARY = "glpat-SERVE-CANARY-41b7"


@dataclass
class Served:
    follow: str
    edit: str
    process: subprocess.Popen[str]
    env: dict[str, str]


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    if chromium_binary() is None:
        pytest.skip("no chromium (./run test installs Debian's chromium where it is root)")
    env = clean_env(tmp_path / "home") | {"GITLAB_TOKEN": CANARY}
    argv = [str(TRIAGE_TUI), "--demo", "serve", "--port", str(_free_port())]
    process = subprocess.Popen(
        argv,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    assert process.stdout is not None
    said: list[str] = []
    for line in process.stdout:
        said.append(line)
        if "Ctrl+C stops" in line:
            break
    text = "".join(said)
    follow = re.search(r"Follow, read-only:\s+(\S+)", text)
    edit = re.search(r"Edit, as you:\s+(\S+)", text)
    assert follow and edit, text
    # (aiohttp says its startup before it listens)
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(follow[1], timeout=5).close()
            break
        except urllib.error.URLError:
            assert time.monotonic() < deadline, "the server never listened"
            time.sleep(0.1)
    try:
        yield Served(follow[1], edit[1], process, env)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(15)


def boards_of(served: Served) -> dict[int, bytes]:
    """The environment of each board process the server started (one per tab)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == served.process.pid:
            continue
        try:
            if os.getsid(int(entry.name)) != served.process.pid:
                continue
            cmdline = (entry / "cmdline").read_bytes()
            if b"triage_tui" in cmdline:
                found[int(entry.name)] = (entry / "environ").read_bytes()
        except OSError:
            continue
    return found


def served_cache(served: Served) -> Path:
    """The cache the served boards read (the demo `serve` wrote, on their command line)."""
    for pid in boards_of(served):
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        if b"--cache" in argv:
            return Path(argv[argv.index(b"--cache") + 1].decode())
    raise AssertionError("no served board names its cache")


def test_a_follower_sees_the_board_reads_only_and_holds_no_secret(
    served: Served, tmp_path: Path
) -> None:
    async def follow() -> None:
        async with chromium(tmp_path, served.env) as page:
            await page.open(served.follow)
            await page.until_shown("Red", "Amber", "Yellow", "Green", "read-only, following")
            await page.press("b")  # the Region board
            await page.until_shown("US-WEST", "EMEA", "APAC")
            await page.press("shift+right")  # an edit key
            shown = await page.until_shown("You can read, not edit", "edit link")
            assert any("served to follow the call" in line for line in shown)
            await page.press("escape", "j", "enter")  # keys still move around the board
            await page.until_shown("US-WEST")
            boards = boards_of(served)
            assert boards, "no board process for the tab"
            for environ in boards.values():
                assert CANARY.encode() not in environ
                assert b"TRIAGE_TUI_READ_ONLY=" in environ
            # The host edits (here straight into the cache, as the host's own board
            # does): the follower's page shows it without a key pressed.
            await page.press("b")  # back to the Colours board, #217 at the top of Red
            await page.until_shown("Monarch Labs")
            service = TriageService(served_cache(served), user="host")
            try:
                service.update(217, "title", title="Followed Live Holdings")
            finally:
                service.close()
            await page.until_shown("#217 Followed Liv")  # (cut to the card's width)

    asyncio.run(follow())
    assert CANARY not in Path(tmp_path).joinpath("home").as_posix()


def test_the_edit_link_opens_the_hosts_board_with_its_edits(served: Served, tmp_path: Path) -> None:
    async def edit() -> None:
        async with chromium(tmp_path, served.env) as page:
            await page.open(served.edit)
            shown = await page.until_shown("Red", "Amber", "Yellow", "Green")
            assert not any("read-only" in line for line in shown)
            await page.press("shift+right")  # Red → Amber: the move dialog
            await page.until_shown("Reason (required)", "Signals of every colour")
            await page.press(*"Sponsor is back")
            await page.until_shown("Sponsor is back")
            boards = boards_of(served)
            assert boards and all(b"TRIAGE_TUI_READ_ONLY=" not in e for e in boards.values())

    asyncio.run(edit())


@pytest.mark.parametrize("path", ["/edit/not-the-key", "/ws/edit/not-the-key"])
def test_a_wrong_edit_link_is_refused(served: Served, path: str) -> None:
    url = served.follow.rstrip("/") + path
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(url, timeout=10)
    assert refused.value.code == 403


def test_a_port_in_use_is_one_line_and_no_traceback(served: Served) -> None:
    """A second `serve` on the port (two people on a shared host): said plainly, exit 2."""
    port = served.follow.rstrip("/").rsplit(":", 1)[1]
    argv = [str(TRIAGE_TUI), "--demo", "serve", "--port", port]
    done = subprocess.run(
        argv, env=served.env, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr + done.stdout
    assert f"cannot serve on 127.0.0.1:{port}" in done.stderr and "--port" in done.stderr
    assert "Follow" not in done.stdout  # no links printed for a server that never ran
