"""A suggested health score from the handbook's signals: a starting point the person
confirms or overrides (with a reason), never a decision.

The handbook calls scoring "a mix of art and science": a TAM weighs the signals of every
colour an account shows, and the worst single signal does not decide the score alone.
The weighting is therefore deliberately simple, so a person can check it in their head:

- each signal counts toward its own colour's value, Green 1, Yellow 2, Amber 3, Red 4
  (`Health`'s own numbers), with the weight written next to it in `WEIGHTS` below;
- the score is the weighted mean of the ticked signals' values,
  sum(weight x value) / sum(weight);
- the score rounds to a colour: below 1.5 Green, below 2.5 Yellow, below 3.5 Amber,
  otherwise Red; a score exactly on a boundary goes to the worse colour, so signals that
  are evenly split never read an account as healthier than they say;
- fewer than `MIN_SIGNALS` ticked signals suggest nothing ("not enough to suggest"):
  one signal, however heavy, never decides alone.

Weights: 3 for what the customer said or did that directly threatens the renewal, 2 for
a strong pattern, 1 for a hint. Signs of risk weigh more than signs of health because
they are fewer (3 Red signals against 12 Green) and each says more: one cancellation
notice outweighs two healthy signs, as a TAM would read them.

A weighted mean has the properties a person expects, checked in tests/domain: ticking a
signal only ever moves the suggestion toward that signal's colour (more Red never makes
it greener, more Green never makes it redder), and the suggestion always lies between the
best and the worst colour ticked.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

from triage_tui.domain.health import AT_RISK_FIRST, SIGNALS, Health

#: Fewer ticked signals than this suggest nothing: one signal never decides alone.
MIN_SIGNALS = 2

#: Each signal's weight toward its colour; every signal of `health.SIGNALS` has one.
#: Anything not listed here weighs DEFAULT_WEIGHT[its colour].
DEFAULT_WEIGHT: dict[Health, int] = {
    Health.RED: 3,
    Health.AMBER: 2,
    Health.YELLOW: 1,
    Health.GREEN: 1,
}
#: The exceptions to DEFAULT_WEIGHT, with why.
WEIGHTS: dict[str, int] = {
    # Red: access to sponsors can be regained; it is a pattern, not a notice.
    "Limited or no access to executive sponsors": 2,
    # Amber: the two that most often precede a cancellation.
    "Loss of our champion": 3,
    "Acquired by a parent company that uses a competitor": 3,
    # Green: the two a customer shows only when they plan to stay.
    "Interested in upgrading": 2,
    "At least two successful executive business reviews a year": 2,
}

#: The score at and above which each colour starts, worst first (below all: Green).
BOUNDS: tuple[tuple[Health, Fraction], ...] = (
    (Health.RED, Fraction(7, 2)),
    (Health.AMBER, Fraction(5, 2)),
    (Health.YELLOW, Fraction(3, 2)),
)


@dataclass(frozen=True, slots=True)
class Signal:
    """One of the handbook's signals, with the colour it points to and its weight."""

    health: Health
    text: str
    weight: int

    @property
    def shown(self) -> str:
        """ "Red: No communication (3)", for the note and the dialog."""
        return f"{self.health.label}: {self.text} ({self.weight})"


#: Every signal, worst colour first, in the handbook's order within a colour.
ALL_SIGNALS: tuple[Signal, ...] = tuple(
    Signal(health, text, WEIGHTS.get(text, DEFAULT_WEIGHT[health]))
    for health in AT_RISK_FIRST
    for text in SIGNALS[health]
)
_BY_TEXT: dict[str, Signal] = {signal.text: signal for signal in ALL_SIGNALS}


def signal_named(text: str) -> Signal | None:
    """The signal whose text is `text`; None for text that is no signal (a note written
    before signals carried a colour, or a test's)."""
    return _BY_TEXT.get(text)


def signals_of(health: Health) -> tuple[Signal, ...]:
    return tuple(signal for signal in ALL_SIGNALS if signal.health is health)


def colour_of(score: Fraction) -> Health:
    """The colour a score rounds to (a boundary goes to the worse colour)."""
    return next((health for health, bound in BOUNDS if score >= bound), Health.GREEN)


@dataclass(frozen=True, slots=True)
class Suggestion:
    """What the ticked signals suggest, and the arithmetic that made it."""

    ticked: tuple[Signal, ...]
    """The ticked signals, worst colour first, each once."""

    @property
    def score(self) -> Fraction | None:
        """The weighted mean of the ticked signals' values; None with none ticked."""
        total = sum(signal.weight for signal in self.ticked)
        if total == 0:
            return None
        return Fraction(sum(s.weight * int(s.health) for s in self.ticked), total)

    @property
    def health(self) -> Health | None:
        """The suggested colour; None when there is not enough to suggest."""
        score = self.score
        if score is None or len(self.ticked) < MIN_SIGNALS:
            return None
        return colour_of(score)

    def weight_of(self, health: Health) -> int:
        """The ticked signals' weight toward `health`."""
        return sum(signal.weight for signal in self.ticked if signal.health is health)

    @property
    def arithmetic(self) -> str:
        """ "(Red 3×4 + Green 1×1) ÷ 4 = 3.25": the weights that made the score, by colour
        (weight x the colour's value), over the weight ticked."""
        score = self.score
        if score is None:
            return "nothing ticked"
        terms = [
            f"{health.label} {self.weight_of(health)}×{int(health)}"
            for health in AT_RISK_FIRST
            if self.weight_of(health)
        ]
        total = sum(signal.weight for signal in self.ticked)
        return f"({' + '.join(terms)}) ÷ {total} = {float(score):.2f}"

    @property
    def headline(self) -> str:
        """One line: the suggestion, or why there is none."""
        health = self.health
        if health is None:
            count = len(self.ticked)
            ticked = "none ticked" if count == 0 else f"{count} ticked"
            return f"Suggestion: not enough to suggest ({ticked}; needs {MIN_SIGNALS} or more)"
        return f"Suggestion: {health.label} from {len(self.ticked)} signals"

    def verdict(self, chosen: Health) -> str:
        """How `chosen` stands to the suggestion: confirmed, an override, or neither."""
        health = self.health
        if health is None:
            return f"Chosen: {chosen.label} (no suggestion to confirm or override)"
        if health is chosen:
            return f"Chosen: {chosen.label}, the suggestion confirmed"
        return f"Chosen: {chosen.label} over the suggested {health.label} (an override)"

    def is_override(self, chosen: Health) -> bool:
        """`chosen` differs from a suggestion there is (an override reason is asked)."""
        health = self.health
        return health is not None and health is not chosen


def suggest(ticked: Iterable[str]) -> Suggestion:
    """The suggestion for the ticked signals, by their text; text that is no signal is
    left out (it has no colour to count toward)."""
    chosen = set(ticked)
    return Suggestion(tuple(signal for signal in ALL_SIGNALS if signal.text in chosen))


def suggestion_lines(ticked: tuple[str, ...], chosen: Health, override_reason: str) -> list[str]:
    """The lines the health-move note records: each ticked signal with its colour and
    weight, the suggestion with its arithmetic, and the colour chosen against it (with
    the override reason). Text that is no signal is listed as it is."""
    suggestion = suggest(ticked)
    lines = ["Signals ticked (colour: signal (weight)):"]
    lines += [f"- {signal.shown}" for signal in suggestion.ticked]
    known = {signal.text for signal in suggestion.ticked}
    lines += [f"- {text}" for text in ticked if text not in known]
    lines += ["", suggestion.headline]
    if suggestion.score is not None:
        lines.append(f"Score: {suggestion.arithmetic}")
    lines.append(suggestion.verdict(chosen))
    if suggestion.is_override(chosen) and override_reason.strip():
        lines.append(f"Override reason: {' '.join(override_reason.split())}")
    return lines


def suggestion_summary(ticked: tuple[str, ...], chosen: Health, override_reason: str) -> str:
    """One line for the template's "Reason for Health Score", after the person's reason:
    what the signals suggested and whether it was confirmed or overridden (and why)."""
    suggestion = suggest(ticked)
    health = suggestion.health
    score = suggestion.score
    if health is None or score is None:
        return f"(Signals: {len(ticked)} ticked, not enough to suggest.)"
    said = f"(Signals suggested {health.label}, score {float(score):.2f}"
    if health is chosen:
        return f"{said}; confirmed.)"
    why = " ".join(override_reason.split())
    return f"{said}; overridden with {chosen.label}: {why})"
