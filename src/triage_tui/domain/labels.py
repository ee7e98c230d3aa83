"""The triage project's label vocabulary and how an issue's labels classify it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache

from triage_tui.domain.health import Health

NEW_LABEL = "New"


class Region(Enum):
    """The Region board's columns, in board order."""

    US_WEST = "US-WEST"
    US_EAST = "US-EAST"
    EMEA = "EMEA"
    APAC = "APAC"
    LATAM = "LATAM"

    @property
    def label(self) -> str:
        return self.value

    @classmethod
    def parse(cls, text: str) -> Region | None:
        cleaned = text.strip().upper().removeprefix("REGION::")
        for region in cls:
            if region.value == cleaned:
                return region
        return None


class ChurnClass(Enum):
    """Churn classification for Red accounts: Expected/Unexpected, Avoidable/Unavoidable."""

    EXPECTED_AVOIDABLE = "E&A"
    EXPECTED_UNAVOIDABLE = "E&U"
    UNEXPECTED_AVOIDABLE = "U&A"
    UNEXPECTED_UNAVOIDABLE = "U&U"

    @property
    def label(self) -> str:
        return self.value

    @classmethod
    def parse(cls, text: str) -> ChurnClass | None:
        cleaned = text.strip().upper()
        for churn in cls:
            if churn.value == cleaned:
                return churn
        return None


@dataclass(frozen=True, slots=True)
class LabelReading:
    """What an issue's labels say, with the ambiguities kept rather than guessed away."""

    healths: tuple[Health, ...]
    regions: tuple[Region, ...]
    churn: tuple[ChurnClass, ...]
    is_new: bool
    other: tuple[str, ...]

    @property
    def health(self) -> Health | None:
        """The one health label, or None when there is none or more than one."""
        return self.healths[0] if len(self.healths) == 1 else None

    @property
    def region(self) -> Region | None:
        return self.regions[0] if len(self.regions) == 1 else None

    @property
    def problems(self) -> tuple[str, ...]:
        found: list[str] = []
        if len(self.healths) > 1:
            found.append("several health labels: " + ", ".join(h.label for h in self.healths))
        if len(self.regions) > 1:
            found.append("several region labels: " + ", ".join(r.label for r in self.regions))
        if len(self.churn) > 1:
            found.append("several churn labels: " + ", ".join(c.label for c in self.churn))
        return tuple(found)


def read_labels(labels: Iterable[str]) -> LabelReading:
    """Classify label names. Unknown labels are kept in `other`, in their given order."""
    healths: list[Health] = []
    regions: list[Region] = []
    churn: list[ChurnClass] = []
    other: list[str] = []
    is_new = False
    for name in labels:
        if name.strip().lower() == NEW_LABEL.lower():
            is_new = True
        elif (health := Health.parse(name)) is not None:
            if health not in healths:
                healths.append(health)
        elif (region := Region.parse(name)) is not None:
            if region not in regions:
                regions.append(region)
        elif (churn_class := ChurnClass.parse(name)) is not None:
            if churn_class not in churn:
                churn.append(churn_class)
        else:
            other.append(name)
    return LabelReading(
        healths=tuple(sorted(healths, reverse=True)),
        regions=tuple(regions),
        churn=tuple(churn),
        is_new=is_new,
        other=tuple(other),
    )


@lru_cache(maxsize=4096)
def read_label_set(labels: tuple[str, ...]) -> LabelReading:
    """read_labels, memoized: a board of 10,000 issues has only a few hundred label sets."""
    return read_labels(labels)


def triage_labels() -> tuple[str, ...]:
    """Every label the triage process uses: the health colours, ~New, the regions and the
    churn classes (the handbook's rules 3, 7 and 8)."""
    return (
        *(health.label for health in Health),
        NEW_LABEL,
        *(region.label for region in Region),
        *(churn.label for churn in ChurnClass),
    )
