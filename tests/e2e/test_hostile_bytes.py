"""The installed triage-tui on a cache synced from the hostile emulators, in a real pty:
the bytes it writes to the terminal hold no escape sequence from the data, the board
keeps its shape and it answers keys.

tmux's `pipe-pane -O` copies every byte the app writes to its pty into a file; the board
starts only once that pipe is in place (it waits for a file the test creates), so its
first frame is read too. What tmux draws (capture-pane) shows the shape.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from rich.cells import cell_len

from tests.e2e.terminal import Terminal, board_argv, clean_env, lines, require, terminal
from tests.hostile_cache import hostile_emu, hostile_service, hostile_sf, seeded
from triage_emulators import hostile
from triage_tui.services import TriageService

__all__ = ["hostile_emu", "hostile_service", "hostile_sf", "seeded"]  # fixtures, used by name

pytestmark = pytest.mark.slow

COLOURS = ("Red", "Amber", "Yellow", "Green")


def shape_problem(screen: str, width: int, height: int) -> str:
    """What is wrong with the board's shape ("" when nothing): the size, the title bar
    first, the column headers under it, and a footer."""
    rows = lines(screen)
    if len(rows) != height or any(cell_len(row) > width for row in rows):
        return f"a {width}x{height} screen"
    if "Colours board" not in rows[0] and "Region board" not in rows[0]:
        return "the title bar on the first line"
    if sum(name in rows[1] for name in COLOURS) < 2:
        return "colour columns under the title bar"
    if "Quit" not in rows[-1]:
        return "the footer on the last line"
    return ""


def wait_for_shape(term: Terminal, width: int, height: int) -> str:
    return term.wait_until(
        lambda s: not shape_problem(s, width, height),
        lambda s: shape_problem(s, width, height),
    )


def leaks(raw: bytes) -> list[str]:
    """The corpus's escape sequences found in what the app wrote."""
    found = [name for name, sequence in hostile.LEAK_BYTES.items() if sequence in raw]
    # Whatever reached the terminal of the data's controls: no C1 character (UTF-8 C2 80
    # to C2 9F) and no bidi control is ever the app's own.
    text = raw.decode("utf-8", errors="replace")
    found += [f"character {ch}" for ch in hostile.forbidden_in(text) if ch not in _OWN_CONTROLS]
    return found


#: Controls the app's own output holds: ESC (CSI, OSC of its own), BEL (OSC end), CR,
#: backspace, and the 7-bit others a terminal driver writes.
_OWN_CONTROLS = {repr(chr(c)) for c in range(0x20)} | {repr("\x7f")}


@pytest.mark.parametrize("size", [(120, 40), (80, 24)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_no_escape_from_the_data_reaches_the_terminal(
    hostile_service: TriageService, seeded: hostile.Seeded, tmp_path: Path, size: tuple[int, int]
) -> None:
    require("tmux")
    width, height = size
    cache = tmp_path / "cache.db"
    hostile_service.close()
    env = clean_env(tmp_path / "home")
    ready, written = tmp_path / "piped", tmp_path / "written.bin"
    board = board_argv(cache, {"TERM": "xterm-256color"})
    wait_then_run = f'while [ ! -e "{ready}" ]; do sleep 0.05; done; exec "$@"'
    with terminal(["sh", "-c", wait_then_run, "sh", *board], width, height, env) as term:
        term.tmux("pipe-pane", "-O", f"cat >> '{written}'")
        ready.touch()
        wait_for_shape(term, width, height)
        term.press("c")  # closed issues too: some hostile ones are closed
        term.wait_for("Showing closed issues")
        # Every column, its cards one by one, with the detail pane open; the weekly
        # updates of the first cards of each (nearly every issue here carries a corpus
        # string in its notes); the filter: every place the data is drawn.
        term.press("Enter")
        for column in "1234":
            term.press(column)
            for _ in range(6):
                term.press("w")
                term.wait_for("Write update")
                term.press("s", "Escape")
                term.wait_gone("Write update")
                term.press("j")
            term.press(*["j"] * 10)
        term.press("Escape", "/")
        term.type("hx")
        term.wait_for("filter: hx")
        term.press("Enter", "1", "Escape")  # the filter done, the first column, the pane closed
        screen = wait_for_shape(term, width, height)
        term.show(f"hostile {width}x{height}")
        # Still listening: the Region board, then back.
        term.press("b")
        term.wait_until(lambda s: "Region board" in lines(s)[0], "the Region board")
        term.press("b")
        screen = wait_for_shape(term, width, height)
        assert term.tmux("display-message", "-p", "#{pane_title}").strip() != "PWNED-TITLE"
        term.press("q")
        assert term.wait_exit() == 0
    time.sleep(0.2)  # the pipe's cat writes its last bytes
    raw = written.read_bytes()
    assert len(raw) > 10_000, "the pipe caught what the board drew"
    assert "HX cjk 株式会社".encode() in raw  # the hostile cards were drawn
    assert leaks(raw) == [], screen
