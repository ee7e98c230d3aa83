"""The config file's settings: `bots` (whose notes are no weekly update), numbers."""

from __future__ import annotations

import tempfile
import tomllib
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

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


@given(seconds=st.integers(min_value=0, max_value=10**6))
def test_sync_interval_is_read_as_written_zero_included(seconds: int) -> None:
    """`sync_interval = 0` means never (the README's words): it was read as 300 through
    `or` (0 is falsy), so a board told never to sync synced every five minutes."""
    with tempfile.TemporaryDirectory() as where:
        path = write(Path(where), f"sync_interval = {seconds}")
        assert load_settings(path).sync_interval == seconds


@given(seconds=st.one_of(st.integers(0, 3600), st.floats(0, 3600, allow_nan=False)))
def test_busy_timeout_is_read_as_written_zero_included(seconds: float) -> None:
    with tempfile.TemporaryDirectory() as where:
        path = write(Path(where), f"busy_timeout = {seconds!r}")
        assert load_settings(path).busy_timeout == float(seconds)


def test_missing_numbers_take_their_defaults_and_bad_ones_are_refused(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, ""))
    assert (settings.sync_interval, settings.busy_timeout) == (300, 5.0)
    for bad in ("sync_interval = -1", "busy_timeout = -0.5", "sync_interval = true"):
        with pytest.raises(ConfigError, match=bad.split()[0]):
            load_settings(write(tmp_path, bad))
