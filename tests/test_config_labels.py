"""The config file's `[labels]` table: the org's name for each board label."""

from __future__ import annotations

from pathlib import Path

import pytest

from triage_tui.config import EXAMPLE, ConfigError, load_settings


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_no_table_is_the_handbooks_names(tmp_path: Path) -> None:
    assert load_settings(write(tmp_path, "")).labels.is_identity
    assert load_settings(tmp_path / "missing.toml").labels.is_identity
    assert load_settings(write(tmp_path, "[labels]\n")).labels.is_identity


def test_a_table_maps_board_words_to_the_orgs_labels(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[labels]\nRed = "health::red"\nNew = "triage::new"\n'
        '"US-WEST" = "region::us-west"\n"E&A" = "churn::expected-avoidable"\n',
    )
    labels = load_settings(path).labels
    assert labels.org_labels(["Red", "New", "US-WEST", "E&A", "Amber", "VIP"]) == (
        "health::red",
        "triage::new",
        "region::us-west",
        "churn::expected-avoidable",
        "Amber",
        "VIP",
    )
    assert labels.board_labels(["HEALTH::RED", "triage::new", "other"]) == ("Red", "New", "other")


def test_the_example_table_parses_uncommented(tmp_path: Path) -> None:
    lines = EXAMPLE.splitlines()
    start = lines.index("# [labels]")
    end = lines.index("", start)  # the table runs to the next blank line
    table = [line.removeprefix("# ") for line in lines[start:end]]
    labels = load_settings(write(tmp_path, "\n".join(table))).labels
    assert labels.to_org("Red") == "health::red" and labels.to_org("New") == "triage::new"
    assert labels.to_org("E&A") == "churn::expected-avoidable"
    assert len(labels.pairs) == 8


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ('[labels]\nCrimson = "health::red"', "[labels]: `Crimson` is not a board label"),
        (
            '[labels]\nRed = "health::x"\nAmber = "health::x"',
            "[labels]: `Amber`: Amber and Red would both be the label 'health::x'",
        ),
        ('[labels]\nRed = "Amber"', "`Red`: Red and Amber would both be the label 'Amber'"),
        ("[labels]\nRed = 1", "`Red` should be the org's label name"),
        ('labels = "health::red"', "`labels` should be a dict"),
    ],
)
def test_a_table_that_cannot_be_used_is_refused_by_key(
    tmp_path: Path, text: str, said: str
) -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings(write(tmp_path, text))
    assert said in str(raised.value)
    assert str(tmp_path / "config.toml") in str(raised.value)
