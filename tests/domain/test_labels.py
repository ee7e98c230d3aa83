"""Reading an issue's labels: health, region, churn class, ~New, and the ambiguities."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.domain.factories import FAST
from triage_tui.domain.health import Health
from triage_tui.domain.labels import (
    NEW_LABEL,
    ChurnClass,
    Region,
    read_label_set,
    read_labels,
)


def test_one_of_each() -> None:
    reading = read_label_set(("Red", "EMEA", "E&A", "New", "Customer::Enterprise"))
    assert reading.healths == (Health.RED,)
    assert reading.health is Health.RED
    assert reading.regions == (Region.EMEA,)
    assert reading.region is Region.EMEA
    assert reading.churn == (ChurnClass.EXPECTED_AVOIDABLE,)
    assert reading.is_new
    assert reading.other == ("Customer::Enterprise",)
    assert reading.problems == ()


def test_two_health_labels_are_a_data_problem_not_a_guess() -> None:
    reading = read_label_set(("Yellow", "Red"))
    assert reading.health is None
    assert reading.healths == (Health.RED, Health.YELLOW)  # worst first, whatever the order
    assert reading.problems == ("several health labels: Red, Yellow",)


def test_the_same_health_spelled_twice_is_one_health() -> None:
    reading = read_label_set(("Red", "Health::Red", "red"))
    assert reading.healths == (Health.RED,)
    assert reading.health is Health.RED
    assert reading.problems == ()


def test_no_health() -> None:
    reading = read_label_set(("EMEA", "Customer::Enterprise"))
    assert reading.healths == ()
    assert reading.health is None
    assert reading.problems == ()


@pytest.mark.parametrize(
    ("label", "health"),
    [("Health::Red", Health.RED), ("health::amber", Health.AMBER), ("Health:Green", Health.GREEN)],
)
def test_scoped_health_labels(label: str, health: Health) -> None:
    reading = read_label_set((label,))
    assert reading.health is health
    assert reading.other == ()


@pytest.mark.parametrize(
    ("label", "region"),
    [
        ("US-WEST", Region.US_WEST),
        ("us-east", Region.US_EAST),
        ("EMEA", Region.EMEA),
        ("Region::APAC", Region.APAC),
        ("region::latam", Region.LATAM),
    ],
)
def test_regions(label: str, region: Region) -> None:
    reading = read_label_set((label,))
    assert reading.regions == (region,)
    assert reading.region is region


@pytest.mark.parametrize("label", ["US WEST", "USWEST", "Europe", "NA"])
def test_not_regions(label: str) -> None:
    reading = read_label_set((label,))
    assert reading.regions == ()
    assert reading.other == (label,)


def test_two_regions_are_a_problem_in_given_order() -> None:
    reading = read_label_set(("LATAM", "EMEA"))
    assert reading.region is None
    assert reading.regions == (Region.LATAM, Region.EMEA)
    assert reading.problems == ("several region labels: LATAM, EMEA",)


@pytest.mark.parametrize(
    ("label", "churn"),
    [
        ("E&A", ChurnClass.EXPECTED_AVOIDABLE),
        ("E&U", ChurnClass.EXPECTED_UNAVOIDABLE),
        ("U&A", ChurnClass.UNEXPECTED_AVOIDABLE),
        ("u&u", ChurnClass.UNEXPECTED_UNAVOIDABLE),
    ],
)
def test_churn_classes(label: str, churn: ChurnClass) -> None:
    reading = read_label_set(("Red", label))
    assert reading.churn == (churn,)
    assert reading.other == ()


def test_two_churn_classes_are_a_problem() -> None:
    reading = read_label_set(("E&A", "U&U"))
    assert reading.problems == ("several churn labels: E&A, U&U",)


@pytest.mark.parametrize("label", ["New", "new", " NEW "])
def test_new(label: str) -> None:
    reading = read_label_set((label,))
    assert reading.is_new
    assert reading.other == ()


@pytest.mark.parametrize("labels", [(), ("Newish",), ("Renew",), ("Red",)])
def test_not_new(labels: tuple[str, ...]) -> None:
    assert not read_label_set(labels).is_new


def test_new_label_constant() -> None:
    assert NEW_LABEL == "New"


def test_several_problems_at_once_are_all_reported() -> None:
    reading = read_label_set(("Red", "Green", "EMEA", "APAC"))
    assert reading.problems == (
        "several health labels: Red, Green",
        "several region labels: EMEA, APAC",
    )


def test_unknown_labels_keep_their_order_and_spelling() -> None:
    reading = read_label_set(("zeta", "Alpha", "Red", "mid"))
    assert reading.other == ("zeta", "Alpha", "mid")


KNOWN = [
    *(h.label for h in Health),
    *(r.label for r in Region),
    *(c.label for c in ChurnClass),
    NEW_LABEL,
]


@FAST
@given(st.lists(st.sampled_from([*KNOWN, "Customer::Enterprise", "Priority::1", "foo"])))
def test_memoized_reading_equals_plain_reading(labels: list[str]) -> None:
    assert read_label_set(tuple(labels)) == read_labels(labels)


@FAST
@given(st.lists(st.sampled_from([*KNOWN, "Customer::Enterprise", "foo"]), max_size=12))
def test_every_label_is_accounted_for_once(labels: list[str]) -> None:
    reading = read_labels(labels)
    assert reading.is_new == (NEW_LABEL in labels)
    assert set(reading.healths) == {h for h in Health if h.label in labels}
    assert set(reading.regions) == {r for r in Region if r.label in labels}
    assert set(reading.churn) == {c for c in ChurnClass if c.label in labels}
    assert list(reading.other) == [x for x in labels if x not in KNOWN]
    assert list(reading.healths) == sorted(reading.healths, reverse=True)
    assert (reading.health is None) == (len(reading.healths) != 1)
    assert bool(reading.problems) == (
        len(reading.healths) > 1 or len(reading.regions) > 1 or len(reading.churn) > 1
    )
