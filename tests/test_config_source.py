"""A synced cache's GitLab project fills in what the settings leave out (config.with_source)."""

from __future__ import annotations

import pytest

from triage_tui.config import Settings, with_source

URL, PROJECT = "https://gitlab.example.com", "cs/account-triage"


@pytest.mark.parametrize(
    ("given", "stored", "expected"),
    [
        # Nothing given: the cache's source.
        (("", ""), (URL, PROJECT), (URL, PROJECT)),
        # Given and the same: nothing to fill.
        ((URL, PROJECT), (URL, PROJECT), (URL, PROJECT)),
        # One given, agreeing with the cache: the other comes from it.
        ((URL, ""), (URL, PROJECT), (URL, PROJECT)),
        (("", PROJECT), (URL, PROJECT), (URL, PROJECT)),
        # Given and different: the settings win, and nothing of the other source is mixed in.
        (("https://other.example.com", ""), (URL, PROJECT), ("https://other.example.com", "")),
        (("", "cs/other"), (URL, PROJECT), ("", "cs/other")),
        (("https://other.example.com", "9"), (URL, PROJECT), ("https://other.example.com", "9")),
        # A cache that knows no (or half a) source: the settings as they are.
        (("", ""), ("", ""), ("", "")),
        (("", ""), (URL, ""), ("", "")),
        (("", ""), ("", PROJECT), ("", "")),
        ((URL, ""), ("", PROJECT), (URL, "")),
    ],
)
def test_the_settings_win_and_the_cache_fills_the_rest(
    given: tuple[str, str], stored: tuple[str, str], expected: tuple[str, str]
) -> None:
    settings = Settings(gitlab_url=given[0], project=given[1], sync_interval=42)
    result = with_source(settings, *stored)
    assert (result.gitlab_url, result.project) == expected
    assert result.sync_interval == 42  # the rest untouched
