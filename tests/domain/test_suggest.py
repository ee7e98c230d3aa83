"""The suggested score from signals (domain.suggest): one signal never decides alone, a
signal only pulls toward its own colour, and every colour can be suggested."""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from triage_tui.domain.health import AT_RISK_FIRST, SIGNALS, Health
from triage_tui.domain.suggest import (
    ALL_SIGNALS,
    MIN_SIGNALS,
    Signal,
    colour_of,
    signal_named,
    signals_of,
    suggest,
    suggestion_lines,
    suggestion_summary,
)
from triage_tui.domain.triage import (
    HealthQuestions,
    MoveDecision,
    MovePlan,
    answer_problems,
    reason_note,
    template_reason,
)

signals = st.sampled_from(ALL_SIGNALS)
ticked_sets = st.lists(signals, unique=True).map(lambda found: [s.text for s in found])


def test_every_handbook_signal_has_one_colour_and_a_weight() -> None:
    assert len(ALL_SIGNALS) == sum(len(texts) for texts in SIGNALS.values())
    # A text in two colours would be counted toward whichever came first.
    assert len({signal.text for signal in ALL_SIGNALS}) == len(ALL_SIGNALS)
    for health in Health:
        assert tuple(s.text for s in signals_of(health)) == SIGNALS[health]
    assert all(1 <= signal.weight <= 3 for signal in ALL_SIGNALS)
    assert signal_named("No communication") == Signal(Health.RED, "No communication", 3)
    assert signal_named("not a signal") is None


@given(signals)
def test_one_signal_alone_never_decides(signal: Signal) -> None:
    suggestion = suggest([signal.text])
    assert suggestion.health is None
    assert "not enough to suggest" in suggestion.headline
    # Its arithmetic is still shown: the person sees where the score stands.
    assert suggestion.score == Fraction(int(signal.health))


@given(ticked_sets, st.sampled_from(ALL_SIGNALS))
def test_a_signal_only_pulls_toward_its_own_colour(ticked: list[str], added: Signal) -> None:
    before = suggest(ticked).health
    after = suggest([*ticked, added.text]).health
    if before is None:
        assert after is None or len(ticked) + 1 >= MIN_SIGNALS
        return
    assert after is not None  # ticking more never takes a suggestion away
    low, high = sorted((before, added.health))
    assert low <= after <= high


@given(ticked_sets, st.lists(st.sampled_from(signals_of(Health.RED)), min_size=1))
def test_more_red_never_moves_the_suggestion_toward_green(
    ticked: list[str], red: list[Signal]
) -> None:
    before = suggest(ticked).health
    after = suggest([*ticked, *(s.text for s in red)]).health
    if before is not None:
        assert after is not None and after >= before


@given(ticked_sets, st.lists(st.sampled_from(signals_of(Health.GREEN)), min_size=1))
def test_more_green_never_moves_the_suggestion_toward_red(
    ticked: list[str], green: list[Signal]
) -> None:
    before = suggest(ticked).health
    after = suggest([*ticked, *(s.text for s in green)]).health
    if before is not None:
        assert after is not None and after <= before


@given(ticked_sets.filter(lambda found: len(found) >= MIN_SIGNALS))
def test_the_suggestion_lies_between_the_best_and_worst_signal_ticked(ticked: list[str]) -> None:
    suggestion = suggest(ticked)
    colours = [signal.health for signal in suggestion.ticked]
    assert suggestion.health is not None
    assert min(colours) <= suggestion.health <= max(colours)


@given(st.sampled_from(list(Health)), st.data())
def test_two_signals_of_one_colour_suggest_it(health: Health, data: st.DataObject) -> None:
    two = data.draw(st.lists(st.sampled_from(signals_of(health)), min_size=2, unique=True))
    assert suggest(s.text for s in two).health is health


def test_the_weights_are_mixed_as_written() -> None:
    # A cancellation notice (Red 3) against a positive NPS (Green 1): (3×4 + 1×1) / 4.
    mixed = suggest(["Told us they are downgrading or cancelling", "Positive NPS"])
    assert mixed.score == Fraction(13, 4) and mixed.health is Health.AMBER
    assert mixed.arithmetic == "(Red 3×4 + Green 1×1) ÷ 4 = 3.25"
    # Evenly split (Amber 2 and Yellow 1+1): 2.5 is on the boundary, the worse colour wins.
    split = suggest(["Low user adoption", "Neutral NPS", "Only one primary stakeholder"])
    assert split.score == Fraction(5, 2) and split.health is Health.AMBER
    assert [colour_of(Fraction(n, 2)) for n in range(2, 9)] == [
        Health.GREEN,
        Health.YELLOW,
        Health.YELLOW,
        Health.AMBER,
        Health.AMBER,
        Health.RED,
        Health.RED,
    ]


def test_the_record_says_confirmed_or_overridden_and_why() -> None:
    ticked = ("No communication", "Negative NPS")  # (3×4 + 2×3) / 5 = 3.6: Red
    assert suggest(ticked).health is Health.RED
    confirmed = suggestion_lines(ticked, Health.RED, "")
    assert "- Red: No communication (3)" in confirmed and "- Amber: Negative NPS (2)" in confirmed
    assert "Chosen: Red, the suggestion confirmed" in confirmed
    assert not any(line.startswith("Override reason") for line in confirmed)
    overridden = suggestion_lines(ticked, Health.AMBER, "  New sponsor\n signed on ")
    assert "Chosen: Amber over the suggested Red (an override)" in overridden
    assert "Override reason: New sponsor signed on" in overridden
    assert suggestion_summary(ticked, Health.RED, "") == (
        "(Signals suggested Red, score 3.60; confirmed.)"
    )
    assert suggestion_summary(ticked, Health.AMBER, "New sponsor") == (
        "(Signals suggested Red, score 3.60; overridden with Amber: New sponsor)"
    )
    alone = suggestion_lines(("No communication", "a note's own text"), Health.RED, "")
    assert "- a note's own text" in alone  # text that is no signal is kept, uncounted
    assert "Chosen: Red (no suggestion to confirm or override)" in alone


def test_the_colours_are_listed_worst_first() -> None:
    assert tuple(dict.fromkeys(s.health for s in ALL_SIGNALS)) == AT_RISK_FIRST


def test_an_override_needs_its_reason_and_a_confirmation_does_not() -> None:
    questions = HealthQuestions(Health.AMBER)
    red_signals = ("No communication", "Told us they are downgrading or cancelling")
    overriding = MoveDecision("Budget approved", red_signals)
    assert "The signals suggest Red" in answer_problems(questions, overriding)["override"]
    assert answer_problems(questions, replace(overriding, override_reason="CFO signed")) == {}
    assert answer_problems(HealthQuestions(Health.RED), overriding) == {}
    # One signal suggests nothing, so there is nothing to override.
    assert answer_problems(questions, MoveDecision("x", red_signals[:1])) == {}


def test_the_template_reason_says_what_was_suggested_only_when_something_was() -> None:
    plan = MovePlan(7, "Red → Amber", ("Amber",), ("Red",), target_health=Health.AMBER)
    signals = ("Low user adoption", "Negative NPS")
    assert template_reason(plan, " Champion left ", signals) == (
        "Champion left\n(Signals suggested Amber, score 3.00; confirmed.)"
    )
    assert template_reason(plan, "Champion left", signals[:1]) == "Champion left"
    red = ("No communication", "Told us they are downgrading or cancelling")
    assert template_reason(plan, "x", red, "CFO signed").endswith(
        "overridden with Amber: CFO signed)"
    )
    note = reason_note(plan, "Champion left", red, override_reason="CFO signed")
    assert note.startswith("**Health Red → Amber**")
    assert "Override reason: CFO signed" in note and "- Red: No communication (3)" in note
