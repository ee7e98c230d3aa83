"""Health scores, best to worst, and the handbook's signals for each."""

from __future__ import annotations

from enum import IntEnum


class Health(IntEnum):
    """A Salesforce health score. Ordered best (GREEN) to worst (RED).

    Numbered from 1 so no member is falsy: GREEN was 0, and every `x.health if x.health`
    read Green as "no health". Test an optional Health with `is None`, never by truth
    (tests/test_code_rules.py refuses it in src/).
    """

    GREEN = 1
    YELLOW = 2
    AMBER = 3
    RED = 4

    @property
    def label(self) -> str:
        """The GitLab label name for this score ("Red", "Amber", ...)."""
        return self.name.capitalize()

    @property
    def at_risk(self) -> bool:
        """Amber and Red accounts are at risk and get a swarm."""
        return self >= Health.AMBER

    @classmethod
    def parse(cls, text: str) -> Health | None:
        """Read a score as GitLab or Salesforce spells it; None when it is not one."""
        known = _BY_LABEL.get(text)  # as the cache stores it: 50,000 accounts read at once
        if known is not None:
            return known
        cleaned = text.strip().lower()
        for prefix in ("health::", "health:", "health "):
            cleaned = cleaned.removeprefix(prefix)
        for health in cls:
            if health.name.lower() == cleaned:
                return health
        return None


_BY_LABEL: dict[str, Health] = {health.label: health for health in Health}

#: Worst first: the order of the Colours board.
AT_RISK_FIRST: tuple[Health, ...] = (Health.RED, Health.AMBER, Health.YELLOW, Health.GREEN)

#: The handbook's signals for each colour, shown as a checklist when a person changes health.
SIGNALS: dict[Health, tuple[str, ...]] = {
    Health.RED: (
        "Told us they are downgrading or cancelling",
        "No communication",
        "Limited or no access to executive sponsors",
    ),
    Health.AMBER: (
        "Low user adoption",
        "Little response to us or little discovery done",
        "Complaints (responsiveness, feature turnaround, missed priorities)",
        "Loss of our champion",
        "Original use cases not achieved",
        "Customer does not know what success looks like",
        "At least two major releases behind",
        "Frequently absent or late to cadence calls",
        "More than 15 support tickets a month",
        "Acquired by a parent company that uses a competitor",
        "Negative NPS",
    ),
    Health.YELLOW: (
        "Little information about how they use the product",
        "Missing the right contacts for key people",
        "Use cases not clearly defined",
        "Only one primary stakeholder",
        "At least one major release behind",
        "Raises no tickets and contributes to no issues",
        "Occasionally absent or late to cadence calls",
        "More than 10 tickets a month",
        "Neutral NPS",
    ),
    Health.GREEN: (
        "Successful use cases",
        "Using the full product lifecycle",
        "Regular communication and a positive relationship",
        "Healthy user adoption",
        "Regular interest in new features",
        "At least two successful executive business reviews a year",
        "Always attends cadence calls or says when they can't",
        "Interested in upgrading",
        "Up to date on releases",
        "1 to 5 tickets a month and contributes to issues",
        "Gives feedback on how to improve the product",
        "Positive NPS",
    ),
}
