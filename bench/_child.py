"""Runs inside a pseudo-terminal for bench/board.py. Not a test: a measuring harness.

Modes:
  empty            an empty Textual app: start, first paint, exit (the floor)
  board PATH       the triage board on the cache at PATH: start, first paint, exit
  full PATH        the board: start, every card read and shown, exit
  cursor PATH OUT  the board; then keys posted directly (no Pilot sleep loop), timing
                   key -> last frame written and counting bytes written, into OUT (JSON)
  actions PATH OUT the board, every card loaded; then the ER call opened (E) and left,
                   a ~New card reviewed on the call (r), and one in the board's ~New
                   queue (R, then r): key -> last frame written, into OUT (JSON)
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path


def empty() -> None:
    from textual.app import App

    class Empty(App[None]):
        def on_mount(self) -> None:
            self.call_after_refresh(self.exit)

    Empty().run()


def board(path: str, then: str = "exit", out: str = "") -> None:
    from textual import events

    from triage_tui.services import TriageService
    from triage_tui.tui.app import TriageApp
    from triage_tui.tui.board_screen import BoardScreen

    class Whole(BoardScreen):
        """Exits once every card is read and the whole board shown."""

        def on_board_screen_cards_loaded(self) -> None:
            # Textual calls BoardScreen's own handler too (it dispatches along the MRO),
            # after this one: the exit waits for the refresh that shows the whole board.
            self.app.call_after_refresh(self.app.exit)

    class Measured(TriageApp):
        writes: list[tuple[float, int]] = []

        def on_mount(self) -> None:
            if then == "exit":
                self.call_after_refresh(self.exit)
            elif then != "full":
                self.call_after_refresh(lambda: self.run_worker(self.drive(), exclusive=True))

        def get_default_screen(self) -> BoardScreen:
            if then == "full":
                return Whole(self.service, self.today)
            return super().get_default_screen()

        async def drive(self) -> None:
            driver = self._driver
            assert driver is not None
            original = driver.write

            def write(data: str) -> None:
                self.writes.append((time.perf_counter(), len(data.encode())))
                original(data)

            driver.write = write  # type: ignore[method-assign]
            if then == "actions":
                await self.actions(out)
                return
            await asyncio.sleep(0.5)
            results: dict[str, list[tuple[float, int]]] = {"down": [], "right": []}
            keys = [("down", "j", "j")] * 40 + [("right", "l", "l"), ("right", "h", "h")] * 15
            for kind, key, char in keys:
                self.writes.clear()
                start = time.perf_counter()
                self.post_message(events.Key(key, char))
                await asyncio.sleep(0.15)  # every frame for this key is out by then
                if self.writes:
                    last = self.writes[-1][0]
                    results[kind].append((last - start, sum(n for _, n in self.writes)))
            Path(out).write_text(json.dumps(results))
            self.exit()

        async def key(self, key: str, done: Callable[[], bool] = lambda: True) -> float:
            """Post one key; seconds to the last frame written once `done()` holds (the
            screen then quiet for QUIET seconds)."""
            self.writes.clear()
            start = time.perf_counter()
            self.post_message(events.Key(key, key if len(key) == 1 else None))
            while time.perf_counter() - start < 30:
                await asyncio.sleep(0.02)
                if not done():
                    continue

                def last() -> float:
                    return self.writes[-1][0] if self.writes else start

                finished = time.perf_counter()
                while time.perf_counter() - max(finished, last()) < QUIET:
                    await asyncio.sleep(0.02)
                return last() - start
            raise SystemExit(f"{key}: not done in 30 s")

        async def actions(self, out: str) -> None:
            from triage_tui.tui.board_view import BoardView
            from triage_tui.tui.er_screen import ERScreen

            board = self.screen
            view = board.query_one(BoardView)
            while not view.board.complete:
                await asyncio.sleep(0.05)
            await asyncio.sleep(1.0)  # whatever the load left to do, done
            results: dict[str, list[float]] = {"er open": [], "er review": [], "queue review": []}
            for _ in range(RUNS):
                results["er open"].append(
                    await self.key("E", lambda: isinstance(self.screen, ERScreen))
                )
                er = self.screen
                assert isinstance(er, ERScreen)
                iid = er.agenda.new_issues[0].iid
                results["er review"].append(
                    await self.key(
                        "r", lambda er=er, iid=iid: iid not in {c.iid for c in er.agenda.new_issues}
                    )
                )
                await self.key("escape", lambda: self.screen is board)
                await asyncio.sleep(3.0)  # the board's reload after the call, done
            await self.key("R", lambda: bool(view.current and view.current.is_new))
            for _ in range(RUNS):
                card = view.current
                assert card is not None and card.is_new
                results["queue review"].append(
                    await self.key("r", lambda card=card: view.board.find(card.iid) is None)
                )
            Path(out).write_text(json.dumps(results))
            self.exit()

    service = TriageService(Path(path), today=date.today)
    Measured(service, today=date.today()).run()


#: `actions`: a key's last frame is the last write before this long without one.
QUIET = 0.4
RUNS = 5


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "empty":
        empty()
    elif mode == "board":
        board(sys.argv[2])
    elif mode == "full":
        board(sys.argv[2], then="full")
    elif mode == "actions":
        board(sys.argv[2], then="actions", out=sys.argv[3])
    else:
        board(sys.argv[2], then="cursor", out=sys.argv[3])
