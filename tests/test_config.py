"""The config file's `bots` list: whose notes are no weekly update."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from triage_tui.config import EXAMPLE, ConfigError, load_settings


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_no_bots_by_default(tmp_path: Path) -> None:
    assert load_settings(write(tmp_path, "")).bots == ()
    assert load_settings(tmp_path / "missing.toml").bots == ()


def test_bots_are_read_as_gitlab_compares_usernames(tmp_path: Path) -> None:
    path = write(tmp_path, 'bots = ["Renovate-Bot", "@gitlab-bot", " triage.bot ", "gitlab-bot"]')
    assert load_settings(path).bots == ("gitlab-bot", "renovate-bot", "triage.bot")


@pytest.mark.parametrize(
    "bad",
    [
        'bots = "gitlab-bot"',  # a string, not a list
        "bots = [3]",
        'bots = ["two words"]',
        'bots = [""]',
        'bots = ["-dash-first"]',
        'bots = ["@"]',
    ],
)
def test_a_bots_entry_that_is_no_username_is_refused(tmp_path: Path, bad: str) -> None:
    with pytest.raises(ConfigError, match="bots"):
        load_settings(write(tmp_path, bad))


def test_the_example_shows_bots_and_parses_uncommented(tmp_path: Path) -> None:
    line = next(x for x in EXAMPLE.splitlines() if x.startswith("# bots ="))
    settings = load_settings(write(tmp_path, line.removeprefix("# ")))
    assert settings.bots == ("gitlab-bot", "renovate-bot")
    assert tomllib.loads(line.removeprefix("# "))["bots"]


def test_graphql_is_on_unless_the_config_turns_it_off(tmp_path: Path) -> None:
    """`graphql = false`: notes by REST only (an instance or proxy that blocks
    /api/graphql); the sync falls back to REST by itself too, this only saves it trying."""
    assert load_settings(write(tmp_path, "")).graphql is True
    assert load_settings(write(tmp_path, "graphql = false")).graphql is False
    line = next(x for x in EXAMPLE.splitlines() if x.startswith("# graphql ="))
    assert load_settings(write(tmp_path, line.removeprefix("# "))).graphql is False
    with pytest.raises(ConfigError, match="graphql"):
        load_settings(write(tmp_path, 'graphql = "no"'))
