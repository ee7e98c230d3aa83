"""A card beside its Salesforce account: the score's age, and the mismatch mark, which
agrees with the ER call's Mismatches for every colour (Green too) and for "no score"."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import TODAY
from tests.domain.factories import FAST, summary
from triage_tui.domain.accounts import Account, AccountScore
from triage_tui.domain.er_call import build_agenda
from triage_tui.domain.health import Health
from triage_tui.domain.issue import Card, make_card

ACCOUNT = "001000000000001AAA"
HEALTH_LABELS = st.lists(st.sampled_from(["Red", "Amber", "Yellow", "Green"]), max_size=2)


def beside(
    *labels: str, score: Health | None, scored: date | None = TODAY, closed: bool = False
) -> Card:
    """A card whose issue's account is cached with `score`, confirmed on `scored`."""
    found = replace(
        summary(1, *labels, closed=closed),
        salesforce_id=ACCOUNT,
        account=AccountScore(score, scored, 250_000.0),
    )
    return make_card(found, TODAY)


@FAST
@given(labels=HEALTH_LABELS, score=st.none() | st.sampled_from(Health), closed=st.booleans())
def test_the_mark_is_the_er_calls_mismatch(
    labels: list[str], score: Health | None, closed: bool
) -> None:
    card = beside(*dict.fromkeys(labels), score=score, closed=closed)
    agenda = build_agenda([card], [Account(ACCOUNT, "Acme", health=score)], TODAY)
    assert card.salesforce_differs == bool(agenda.mismatches)


def test_each_colour_differs_from_the_three_others_and_no_score_from_none() -> None:
    for label in Health:
        for score in (*Health, None):
            differs = beside(label.label, score=score).salesforce_differs
            assert differs == (score is not None and score is not label), (label, score)
    # An issue with no health label, or two, differs from any score Salesforce has.
    assert beside(score=Health.GREEN).salesforce_differs
    assert beside("Red", "Green", score=Health.GREEN).salesforce_differs
    assert not beside(score=None).salesforce_differs


def test_no_account_is_no_mismatch_and_has_no_age() -> None:
    card = make_card(summary(1, "Green"), TODAY)
    assert card.summary.account is None
    assert not card.salesforce_differs and card.days_since_score is None


@given(days=st.integers(-5, 400), dated=st.booleans())
def test_the_scores_age_is_days_since_it_was_confirmed(days: int, dated: bool) -> None:
    scored = TODAY - timedelta(days=days) if dated else None
    card = beside("Red", score=Health.RED, scored=scored)
    assert card.days_since_score == (max(0, days) if dated else None)
