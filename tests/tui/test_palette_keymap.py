"""Every board action in the command palette with the key it is bound to now, and the
[keymap] checked: unknown ids, impossible keys and a key bound twice are reported on the
board, and every key hint follows a remapped key."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.command import CommandPalette
from textual.widgets import OptionList, Static

from tests.conftest import TODAY
from tests.tui.helpers import board_app, until, widget_text
from tests.tui.test_read_only import read_only  # noqa: F401  (a fixture)
from triage_tui.services import TriageService
from triage_tui.tui.app import TriageApp
from triage_tui.tui.board_screen import BoardScreen
from triage_tui.tui.er_screen import ERScreen
from triage_tui.tui.keys import key_problem, keymap_problems, screens_bindings
from triage_tui.tui.move_modal import MoveModal
from triage_tui.tui.read_only_modal import ReadOnlyModal


def titles(app: TriageApp) -> list[str]:
    return [command.title for command in app.get_system_commands(app.screen)]


async def palette_prompts(app: TriageApp) -> list[str]:
    palette = app.screen
    assert isinstance(palette, CommandPalette)
    options = palette.query_one(OptionList)
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


async def run_from_palette(app: TriageApp, pilot: object, typed: str) -> None:
    from textual.pilot import Pilot

    assert isinstance(pilot, Pilot)
    await pilot.press("ctrl+p")
    await until(pilot, lambda: isinstance(app.screen, CommandPalette))
    await pilot.press(*typed)
    await until(pilot, lambda: any(typed in p for p in _prompts(app)))
    await pilot.press("enter")


def _prompts(app: TriageApp) -> list[str]:
    if not isinstance(app.screen, CommandPalette):
        return []
    options = app.screen.query_one(OptionList)
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


def title_bar(app: TriageApp) -> str:
    return widget_text(app.screen.query_one("#title-bar", Static))


# -- the palette ------------------------------------------------------------------------------


async def test_the_palette_lists_every_board_action_with_its_keys(
    service: TriageService,
) -> None:
    app = board_app(service)
    async with app.run_test(size=(120, 40)):
        listed = titles(app)
    for title in (
        "Move left  shift+← / H",
        "Move right  shift+→ / L",
        "Move to…  m",
        "Reviewed  r",
        "~New queue  R",
        "ER call  E",
        "New issue  n",
        "Team  t",
        "Updates  w",
        "Sync  s",
        "Outbox  o",
        "Undo  u",
        "Edit…  e",
        "Filter  /",
        "Board  b",
        "Closed  c",
        "Keys  ?",
        "Details  ⏎",
        "Copy link  y",
    ):
        assert title in listed, title
    # Built from the bindings: every one of the board screen's (Esc's "close" aside).
    ids = [b.id for b in BoardScreen.BINDINGS if hasattr(b, "id") and b.id != "board.close"]
    assert len([t for t in listed if "  " in t]) >= len(ids)
    assert "Keys" not in listed  # Textual's own panel gives way to the board's `?` list


async def test_the_palette_shows_a_remapped_key(service: TriageService) -> None:
    app = TriageApp(service, today=TODAY, poll_seconds=0.05, keymap={"card.move-right": "ctrl+l"})
    async with app.run_test(size=(120, 40)) as pilot:
        assert "Move right  ^l" in titles(app)
        await pilot.press("ctrl+p")
        await until(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*"Move right")
        await until(pilot, lambda: any("Move right" in p for p in _prompts(app)))
        assert any(p.startswith("Move right  ^l") for p in _prompts(app))


async def test_a_palette_entry_makes_the_edit_its_key_makes(service: TriageService) -> None:
    app = board_app(service)
    async with app.run_test(size=(120, 40)) as pilot:
        await run_from_palette(app, pilot, "Move right")
        await until(pilot, lambda: isinstance(app.screen, MoveModal))
        await pilot.press(*"Champion left")
        await pilot.press("enter")
        await until(pilot, lambda: not isinstance(app.screen, MoveModal))
        await until(pilot, lambda: len(service.outbox()) == 1)
        assert "Amber" in service.outbox()[0].edit.summary


async def test_a_palette_edit_on_a_read_only_board_is_refused(
    read_only: TriageService,  # noqa: F811
) -> None:
    app = board_app(read_only)
    async with app.run_test(size=(120, 40)) as pilot:
        await run_from_palette(app, pilot, "Reviewed")
        await until(pilot, lambda: isinstance(app.screen, ReadOnlyModal))
        assert read_only.outbox() == []


# -- hints follow the keymap ------------------------------------------------------------------


async def test_the_title_hint_follows_the_keymap(service: TriageService) -> None:
    app = board_app(service)
    async with app.run_test(size=(120, 40)):
        assert "(b: switch board · ?: keys)" in title_bar(app)
    keymap = {"board.switch": "tab", "app.help": "f1"}
    app = TriageApp(service, today=TODAY, poll_seconds=0.05, keymap=keymap)
    async with app.run_test(size=(120, 40)) as pilot:
        assert "(tab: switch board · f1: keys)" in title_bar(app)
        screen = app.screen
        assert isinstance(screen, BoardScreen)
        kind = screen.kind
        await pilot.press("tab")
        await pilot.pause()
        assert screen.kind is not kind  # the remapped key does what the hint says


async def test_the_er_call_hints_follow_the_keymap(service: TriageService) -> None:
    keymap = {"er.close": "backspace", "er.end": "ctrl+e", "er.review": "v"}
    app = TriageApp(service, today=TODAY, poll_seconds=0.05, keymap=keymap)
    async with app.run_test(size=(200, 40)) as pilot:  # wide enough for the title's hint
        await pilot.press("E")
        await until(pilot, lambda: isinstance(app.screen, ERScreen))
        await pilot.pause()
        title = widget_text(app.screen.query_one("#er-title", Static))
        assert "⌫: board, the call stays open · ^e: end it" in title
        assert "v marks reviewed" in widget_text(app.screen.query_one("#er-help", Static))


async def test_the_move_dialog_names_its_remapped_keys(service: TriageService) -> None:
    app = TriageApp(service, today=TODAY, poll_seconds=0.05, keymap={"move.save": "ctrl+w"})
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("shift+right")
        await until(pilot, lambda: isinstance(app.screen, MoveModal))
        foot = widget_text(app.screen.query_one(".dialog-foot", Static))
        assert "⏎ or ^w saves" in foot and "esc cancels" in foot


# -- the keymap checked ---------------------------------------------------------------------


def test_an_unknown_id_is_reported_with_the_valid_ones() -> None:
    (problem,) = keymap_problems({"board.swtich": "tab"}, screens_bindings())
    assert "'board.swtich'" in problem and "did you mean 'board.switch'" in problem
    assert "board.cursor-down" in problem and "board.column-1…9" in problem


@pytest.mark.parametrize(
    ("key", "said"),
    [("ctl+s", 'no modifier "ctl"'), ("tabb", 'no key called "tabb"'), ("", "empty")],
)
def test_an_impossible_key_is_reported(key: str, said: str) -> None:
    assert said in key_problem(key)


@pytest.mark.parametrize("key", ["tab", "f1", "ctrl+s", "?", "question_mark", "shift+left", "L"])
def test_real_keys_pass(key: str) -> None:
    assert key_problem(key) == ""


def test_a_key_bound_twice_on_one_screen_is_reported_with_both_ids() -> None:
    (problem,) = keymap_problems({"board.switch": "j"}, screens_bindings())
    assert "'j'" in problem and "board.cursor-down" in problem and "board.switch" in problem


def test_a_sound_keymap_has_no_problems() -> None:
    keymap = {"board.switch": "tab", "board.cursor-down": "down,j,ctrl+n", "app.help": "?,f1"}
    assert keymap_problems(keymap, screens_bindings()) == []


def test_the_config_examples_keymap_is_sound() -> None:
    """`triage-tui config example` once remapped cursor-down to n, which is New issue's."""
    import tomllib

    from triage_tui.config import EXAMPLE

    lines = [line.removeprefix("# ") for line in EXAMPLE.splitlines()]
    start = lines.index("[keymap]")
    table = "\n".join(lines[start : start + 3])
    keymap = tomllib.loads(table)["keymap"]
    assert keymap and keymap_problems(keymap, screens_bindings()) == []


async def test_keymap_problems_are_shown_on_the_board(service: TriageService) -> None:
    keymap = {"board.swtich": "tab", "card.edit": "ctl+e", "board.switch": "j"}
    app = TriageApp(service, today=TODAY, poll_seconds=0.05, keymap=keymap)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: bool(app._notifications))
        (note,) = list(app._notifications)
        assert "config check" in note.message
        assert note.severity == "warning"
        assert "board.swtich" in note.message and "ctl+e" in note.message
        assert "board.cursor-down and board.switch" in note.message
        assert isinstance(app.screen, BoardScreen)


async def test_no_keymap_no_warning(service: TriageService) -> None:
    app = board_app(service)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(0.2)
        assert not list(app._notifications)


def test_config_check_checks_the_keymap(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from triage_tui.cli import main

    config = tmp_path / "config.toml"
    config.write_text('[keymap]\n"board.switch" = "j"\n"board.swtich" = "tab"\n')
    monkeypatch.setenv("TRIAGE_TUI_CONFIG", str(config))
    assert main(["config", "check"]) == 1
    out = capsys.readouterr().out.splitlines()
    keymap = out[out.index("Keymap") + 1 :]
    assert len(keymap) == 2 and all(line.startswith("  problem: ") for line in keymap)
    assert "did you mean 'board.switch'" in keymap[0]
    assert "board.cursor-down and board.switch" in keymap[1]
    config.write_text('[keymap]\n"board.switch" = "tab"\n')
    main(["config", "check"])
    out = capsys.readouterr().out.splitlines()
    assert out[out.index("Keymap") + 1].startswith("  ok: 1 binding remapped")
