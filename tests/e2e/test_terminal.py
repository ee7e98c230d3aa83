"""The installed board in a real terminal (tmux), and over a real SSH login, used by keys.

Each test runs its own tmux server on its own socket (safe under pytest-xdist) and
waits for text on screen by polling; nothing sleeps for a fixed time. Run with `-s`
to see every screen the tests looked at.
"""

from __future__ import annotations

import re
import shlex
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

import pytest
from rich.cells import cell_len

from tests.e2e.terminal import (
    Terminal,
    board_argv,
    clean_env,
    header_line,
    lines,
    private_sshd,
    require,
    terminal,
    write_demo_cache,
)

pytestmark = pytest.mark.slow

COLOURS = ("Red", "Amber", "Yellow", "Green")
REGIONS = ("US-WEST", "US-EAST", "EMEA", "APAC", "LATAM")
#: SGR parameters for 256 or 24-bit colours, and for any colour that is not a grey.
EXTENDED_COLOUR = re.compile(r"(?:^|;)[34]8;[25];")
HUE = re.compile(r"(?:^|;)(?:3[1-6]|4[1-6]|9[1-6]|10[1-6])(?:;|$)")


def is_green(sgr: str) -> bool:
    """A foreground SGR colour that is green: 32/92 on 16 colours, green-dominant otherwise."""
    parts = [int(p) for p in sgr.split(";") if p]
    if parts in ([32], [92]):
        return True
    if parts[:2] == [38, 2]:
        red, green, blue = parts[2:5]
        return green > red + 40 and green > blue + 40
    if parts[:2] == [38, 5] and 16 <= parts[2] <= 231:
        red, green, blue = (
            divmod(parts[2] - 16, 36)[0],
            (parts[2] - 16) // 6 % 6,
            (parts[2] - 16) % 6,
        )
        return green > red and green > blue
    return False


@dataclass(frozen=True)
class Look:
    """A terminal a person might use."""

    width: int
    height: int
    term: str
    no_color: bool = False

    @property
    def env(self) -> dict[str, str]:
        return {"TERM": self.term, **({"NO_COLOR": "1"} if self.no_color else {})}

    @property
    def colour_headers(self) -> tuple[str, ...]:
        # What the board really shows: at 80 columns three columns of readable width fit
        # (Red, Amber, Yellow); Green is one `l` (or `4`) away.
        return COLOURS if self.width >= 120 else COLOURS[:3]

    def __str__(self) -> str:
        return f"{self.width}x{self.height}-{self.term}" + ("-NO_COLOR" if self.no_color else "")


LOOKS = [
    Look(120, 40, "xterm-256color"),
    Look(80, 24, "xterm-256color"),
    Look(120, 40, "linux"),
    Look(80, 24, "linux"),
    Look(80, 24, "linux", no_color=True),
]


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    require("tmux")
    return clean_env(tmp_path / "home")


@pytest.fixture
def cache(tmp_path: Path, env: dict[str, str]) -> Path:
    return write_demo_cache(tmp_path / "demo.db", env)


def board(cache: Path, env: dict[str, str], look: Look) -> AbstractContextManager[Terminal]:
    """The installed board on `cache` in a private tmux, as `look`."""
    return terminal(board_argv(cache, look.env), look.width, look.height, env)


def board_problem(screen: str, look: Look, title: str = "Colours board") -> str:
    """What is wrong with the board's shape on `screen` ("" when nothing): the title bar,
    column headers, status line and footer, each where it belongs, no column cut."""
    rows = lines(screen)
    if len(rows) != look.height or any(cell_len(row) > look.width for row in rows):
        return f"a {look.width}x{look.height} screen"
    if title not in rows[0]:
        return f"{title!r} in the title bar"
    if not any(name in rows[1] for name in (*COLOURS, *REGIONS)):
        return "column headers under the title bar"
    if "demo data" not in rows[-2]:
        return "the status line above the footer"
    # The essentials, with their labels, even at 80 columns (`?` lists the rest).
    labels = ("Details", "Filter", "Board", "Keys", "Quit")
    missing = [label for label in labels if label not in rows[-1]]
    if missing:
        return f"{missing} in the footer"
    # The leftmost cell of the board is a column's margin: a sliver of a column scrolled
    # half out of view would show there.
    if any(row[:1] not in ("", " ") for row in rows[1:-2]):
        return "no column cut at the left edge"
    # Every column in view is whole: the rules under the headers are all as wide (a cell
    # of the width left over goes to some of them).
    rules = [len(rule) for rule in rows[2].split()]
    if not rules or max(rules) - min(rules) > 1:
        return f"whole columns (rules under the headers {rules} cells wide)"
    return ""


def wait_for_board(term: Terminal, look: Look, title: str = "Colours board") -> str:
    """Until the whole board is drawn; the screen."""
    return term.wait_until(
        lambda screen: not board_problem(screen, look, title),
        lambda screen: board_problem(screen, look, title),
    )


def card_titles(screen: str) -> list[str]:
    """The first line of every card on screen: "#iid title"."""
    return re.findall(r"▌ (#\d+ .*?)\s*(?=▌|$)", screen, flags=re.MULTILINE)


def shows_card(screen: str, start: str) -> bool:
    return any(title.startswith(start) for title in card_titles(screen))


def filter_to_one(term: Terminal, query: str, start: str) -> str:
    """Type `query` after `/`, leave the filter bar, and bring the one matching card into
    view as a person would; the screen showing it."""
    term.press("1", "/")  # from the first column, so the board shows its left end
    term.wait_for("Filter: account")  # the filter bar's placeholder
    term.type(query)
    term.wait_until(
        lambda s: re.search(r" 1 (open )?issues? ", lines(s)[0]) is not None,
        f"one match for {query!r}",
    )
    term.press("Enter")  # back to the board: its keys are in the footer again
    term.wait_until(lambda s: "Details" in lines(s)[-1], "the board's keys in the footer")
    # The cursor follows the match, and the board scrolls to it.
    return term.wait_until(lambda s: shows_card(s, start), f"the card {start!r}")


@pytest.mark.parametrize("look", LOOKS, ids=str)
def test_a_person_uses_the_board(cache: Path, env: dict[str, str], look: Look) -> None:
    with board(cache, env, look) as term:
        screen = wait_for_board(term, look)
        term.show(f"{look}: start")
        assert all(name in header_line(screen) for name in look.colour_headers), screen
        # A 16-colour console gets 16 colours; NO_COLOR gets greys, bold and reverse only.
        params = term.sgr_params()
        if look.term == "linux":
            assert not [p for p in params if EXTENDED_COLOUR.search(p)], sorted(params)
        if look.no_color:
            assert not [p for p in params if HUE.search(p)], sorted(params)

        # The Region board; the cursor's card stays highlighted, `1` jumps to US-WEST.
        term.press("b")
        term.wait_for("Region board")
        term.show(f"{look}: b")
        term.press("1")
        term.wait_until(
            lambda s: "US-WEST" in header_line(s) and "1/" in header_line(s), "US-WEST active"
        )
        screen = wait_for_board(term, look, "Region board")
        # Green is a health: its cards say GREEN, drawn in green where there is colour (it
        # was once read as "no health" and drawn in the muted colour).
        greens = term.colours_of("GREEN")
        assert greens, screen
        if not look.no_color:
            assert all(is_green(colour) for colour in greens), greens
        if look.width >= 120:
            # Four columns of readable cards; the rule says LATAM lies to the right.
            assert all(region in header_line(screen) for region in REGIONS[:4]), screen
            assert lines(screen)[2].rstrip().endswith("»"), screen
            term.press("5")
            term.wait_until(
                lambda s: "LATAM" in header_line(s) and "«" in lines(s)[2], "LATAM in view"
            )
            term.press("1")
            term.wait_until(lambda s: "US-WEST" in header_line(s), "US-WEST back in view")
        term.press("b")
        term.wait_for("Colours board")

        # The detail pane opens on Enter and closes on Escape.
        term.press("Enter")
        screen = term.wait_for("Salesforce URL", "Reason for Health Score")
        term.show(f"{look}: Enter")
        term.press("Escape")
        term.wait_gone("Salesforce URL")
        # The board takes the whole width again, from the left.
        term.wait_until(
            lambda s: all(name in header_line(s) for name in look.colour_headers),
            f"{look.colour_headers} back in view",
        )
        wait_for_board(term, look)

        # Filter as you type.
        term.press("/")
        term.wait_for("Filter: account")  # the filter bar's placeholder
        term.type("Wonka")
        term.wait_until(
            lambda s: (
                "filter: Wonka" in lines(s)[0]
                and bool(card_titles(s))
                and all("Wonka" in title for title in card_titles(s))
            ),
            lambda s: f"only Wonka cards, not {card_titles(s)}",
        )
        term.show(f"{look}: /Wonka")
        term.press("Enter", "Escape")  # back to the board, then clear the filter
        term.wait_gone("filter: Wonka")
        wait_for_board(term, look)

        # Every key, listed.
        term.press("?")
        term.wait_for("Keys", "Top of column", "Bottom of column")
        term.show(f"{look}: ?")
        term.press("Escape")
        term.wait_gone("Top of column")

        term.press("q")
        assert term.wait_exit() == 0


def test_resizing_keeps_the_board_drawn(cache: Path, env: dict[str, str]) -> None:
    wide, narrow = Look(120, 40, "xterm-256color"), Look(80, 24, "xterm-256color")
    with board(cache, env, wide) as term:
        term.wait_for("Colours board", *COLOURS)
        term.press("l", "l")  # cursor on Yellow, which stays in view when the window narrows
        term.wait_until(
            lambda s: re.search(r"Yellow\s+1/\d+", header_line(s)) is not None, "Yellow"
        )
        term.resize(narrow.width, narrow.height)
        screen = wait_for_board(term, narrow)
        term.show("resized 120x40 -> 80x24")
        assert "Yellow" in header_line(screen), screen
        term.resize(wide.width, wide.height)
        screen = wait_for_board(term, wide)
        assert all(name in header_line(screen) for name in COLOURS), screen
        term.press("q")
        assert term.wait_exit() == 0


#: (what to type after `/`, the start of the card's first line on an 80-column board,
#: the title as the detail pane shows it)
#: (The card's first line holds what of the title fits beside the account's ARR: at 80
#: columns about 16 cells, so the cards are found by as much; the detail pane has it all.)
HOSTILE = [
    # Textual action markup: must neither quit the app nor vanish.
    ("click", "#1 [@click=app.", "[@click=app.quit]x[/]"),
    # Rich markup: drawn as the characters it is.
    ("markup", "#2 [bold red]Ma", "[bold red]Markup[/] Industries"),
    ("株式会社", "#4 株式会社", "株式会社サンプル・トレーディング"),  # wide characters
    ("wïdgets", "#5 Ünïcödé Wïdg", "Ünïcödé Wïdgets 🚀🚀 GmbH"),  # accents, emoji
    ("aaaaaaaaaaaaaaaaaaaa", "#6 AAAAAAAAAA", "A" * 60),  # 300 characters: clipped, wrapped
]


def column_key(screen: str, start: str) -> str:
    """The number key that jumps to the column holding the card `start` (in view)."""
    rows = lines(screen)
    x = next(row.index(f"▌ {start}") for row in rows if f"▌ {start}" in row)
    # The rule under a column's header spans the column.
    span = next(
        rule.span() for rule in re.finditer("─+", rows[2]) if rule.start() <= x < rule.end()
    )
    name = header_line(screen)[slice(*span)].split()[0]
    return str(COLOURS.index(name) + 1)


def test_hostile_titles_are_drawn_not_obeyed(cache: Path, env: dict[str, str]) -> None:
    look = Look(80, 24, "xterm-256color")
    with board(cache, env, look) as term:
        wait_for_board(term, look)
        for query, start, title in HOSTILE:
            screen = filter_to_one(term, query, start)
            term.show(f"/{query}")
            assert f"filter: {query}" in lines(screen)[0], lines(screen)[0]
            # The cursor onto the card, and its details: the whole title, as typed.
            term.press(column_key(screen, start), "Enter")
            term.wait_for(title, "Salesforce URL")
            term.show(f"/{query} Enter")
            term.press("Escape")
            term.wait_gone("Salesforce URL")
            # Still alive and listening: the Region board, with the card drawn the same.
            term.press("b")
            term.wait_until(
                lambda s, start=start: "Region board" in lines(s)[0] and shows_card(s, start),
                f"{start!r} on the Region board",
            )
            term.press("b", "Escape")  # back to Colours, clear the filter
            wait_for_board(term, look)
        # Escape sequences in a (closed) title were stripped: no colour, no window title.
        term.press("c")
        term.wait_for("Showing closed issues")
        filter_to_one(term, "escape", "#3 Escape Seque")
        term.show("c /escape")
        assert term.tmux("display-message", "-p", "#{pane_title}").strip() != "pwned"
        term.press("q")
        assert term.wait_exit() == 0


def test_the_board_over_ssh(tmp_path: Path, cache: Path, env: dict[str, str]) -> None:
    with private_sshd(tmp_path / "sshd", env) as login:
        # sshd starts the login with its own environment: set ours (HOME, XDG dirs) again.
        remote_env = {key: value for key, value in env.items() if key != "PATH"}
        remote = shlex.join(board_argv(cache, {**remote_env, "TERM": "xterm-256color"}))
        with terminal(login.argv(remote), 80, 24, env) as term:
            screen = wait_for_board(term, Look(80, 24, "xterm-256color"))
            term.show("ssh 80x24: start")
            assert "Red" in header_line(screen) and "Amber" in header_line(screen), screen
            first = term.wait_for_line(1, r"Red\s+1/(\d+)")
            term.press("j")
            term.wait_for_line(1, rf"Red\s+2/{first[1]}")
            term.press("l")
            term.wait_for_line(1, r"Amber\s+2/\d+")
            term.show("ssh 80x24: j l")
            term.press("b")
            screen = term.wait_for("Region board")
            term.show("ssh 80x24: b")
            assert any(region in header_line(screen) for region in REGIONS), screen
            term.press("q")
            assert term.wait_exit() == 0
