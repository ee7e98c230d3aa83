"""Health scores: order, labels, parsing."""

from __future__ import annotations

import pytest

from triage_tui.domain.health import AT_RISK_FIRST, SIGNALS, Health


def test_order_is_best_to_worst() -> None:
    assert Health.GREEN < Health.YELLOW < Health.AMBER < Health.RED
    assert max(Health) is Health.RED


def test_colours_board_order_is_worst_first() -> None:
    assert AT_RISK_FIRST == (Health.RED, Health.AMBER, Health.YELLOW, Health.GREEN)


@pytest.mark.parametrize(
    ("health", "label", "at_risk"),
    [
        (Health.GREEN, "Green", False),
        (Health.YELLOW, "Yellow", False),
        (Health.AMBER, "Amber", True),
        (Health.RED, "Red", True),
    ],
)
def test_label_and_at_risk(health: Health, label: str, at_risk: bool) -> None:
    assert health.label == label
    assert health.at_risk is at_risk


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Red", Health.RED),
        ("red", Health.RED),
        ("  AMBER ", Health.AMBER),
        ("Health::Yellow", Health.YELLOW),
        ("health::green", Health.GREEN),
        ("Health:Red", Health.RED),
        ("Health Amber", Health.AMBER),
        ("Reddish", None),
        ("Orange", None),
        ("", None),
        ("Health::", None),
        ("Region::Red", None),
    ],
)
def test_parse(text: str, expected: Health | None) -> None:
    assert Health.parse(text) is expected


@pytest.mark.parametrize("health", list(Health))
def test_parse_reads_its_own_label(health: Health) -> None:
    assert Health.parse(health.label) is health


def test_every_colour_has_signals() -> None:
    assert set(SIGNALS) == set(Health)
    assert all(SIGNALS[h] for h in Health)
    assert "Negative NPS" in SIGNALS[Health.AMBER]
    assert "No communication" in SIGNALS[Health.RED]
