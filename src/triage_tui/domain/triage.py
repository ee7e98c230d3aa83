"""The triage rules for moving a card, as planned edits (handbook rules 1, 3, 6, 7, 8).

A move is planned here, purely, and the UI only asks the person for what the plan
says it needs (a reason, a churn class) before the edit is recorded.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from triage_tui.domain.board import BoardKind, Column
from triage_tui.domain.health import Health
from triage_tui.domain.issue import IssueState, iid_text
from triage_tui.domain.labels import NEW_LABEL, ChurnClass, Region, read_labels
from triage_tui.domain.team import TriageTeam


class MoveRefused(ValueError):
    """The move is not one the process allows; the message says why."""


@dataclass(frozen=True, slots=True)
class MovePlan:
    """What moving one issue to a column changes, and what the person must supply."""

    iid: int
    summary: str
    """"Red → Amber", "EMEA → APAC"."""
    add_labels: tuple[str, ...]
    remove_labels: tuple[str, ...]
    state: IssueState | None = None
    """CLOSED when the account is back to health (rule 6), OPENED when a closed issue
    falls back to an at-risk colour."""
    target_health: Health | None = None
    needs_reason: bool = False
    """A health change: the reason is required and recorded on the issue."""
    needs_churn: bool = False
    """A move to Red: the churn classification is required (rule 7)."""
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class MoveDecision:
    """What the person answered for a planned move."""

    reason: str
    signals: tuple[str, ...] = ()
    churn: ChurnClass | None = None


def plan_move(
    *,
    iid: int,
    labels: tuple[str, ...],
    state: IssueState,
    kind: BoardKind,
    target: Column,
    team: TriageTeam,
) -> MovePlan:
    """The edit for dropping issue `iid` into `target` on a board of `kind`.

    Raises MoveRefused for a column that is not a label (No health, Data problem) or
    for a move to where the issue already is.
    """
    reading = read_labels(labels)
    if kind is BoardKind.REGION:
        return _plan_region(iid, labels, reading.regions, target)
    health = target.health
    if health is None:
        raise MoveRefused(
            f"{target.title} is not a health colour: pick Red, Amber, Yellow or Green."
        )
    if reading.healths == (health,):
        raise MoveRefused(f"{iid_text(iid)} is already {health.label}.")
    old = [name for name in labels if Health.parse(name) is not None]
    before = (
        reading.health.label if reading.health is not None else ("several" if old else "no health")
    )
    new_state: IssueState | None = None
    if state is IssueState.CLOSED and health.at_risk:
        new_state = IssueState.OPENED
    elif (
        state is IssueState.OPENED
        and not health.at_risk
        and any(h.at_risk for h in reading.healths)
    ):
        new_state = IssueState.CLOSED  # rule 6: back to health closes the issue
    warnings: list[str] = []
    if health is Health.RED and not team.has_leader:
        warnings.append(
            "A Red account needs a TAM leader or customer-success director on its "
            "triage team (rule 1): add one with `t`."
        )
    if new_state is IssueState.CLOSED:
        warnings.append(
            f"Back to health: {iid_text(iid)} will be closed with the {health.label} label."
        )
    elif new_state is IssueState.OPENED:
        warnings.append(f"At risk again: {iid_text(iid)} will be reopened.")
    remove = tuple(old)
    if health is not Health.RED:
        # Churn classes are for Red accounts only.
        remove += tuple(name for name in labels if ChurnClass.parse(name) is not None)
    return MovePlan(
        iid=iid,
        summary=f"{before} → {health.label}",
        add_labels=(health.label,),
        remove_labels=remove,
        state=new_state,
        target_health=health,
        needs_reason=True,
        needs_churn=health is Health.RED,
        warnings=tuple(warnings),
    )


def _plan_region(
    iid: int, labels: tuple[str, ...], regions: tuple[Region, ...], target: Column
) -> MovePlan:
    region = target.region
    if region is None:
        raise MoveRefused(f"{target.title} is not a region: pick one of the region columns.")
    if regions == (region,):
        raise MoveRefused(f"{iid_text(iid)} is already in {region.label}.")
    old = tuple(name for name in labels if Region.parse(name) is not None)
    before = regions[0].label if len(regions) == 1 else ("several" if regions else "no region")
    return MovePlan(
        iid=iid,
        summary=f"{before} → {region.label}",
        add_labels=(region.label,),
        remove_labels=old,
    )


def with_churn(plan: MovePlan, labels: tuple[str, ...], churn: ChurnClass) -> MovePlan:
    """The plan with the churn class chosen for a Red account (replacing any other)."""
    others = tuple(name for name in labels if ChurnClass.parse(name) not in (None, churn))
    return replace(
        plan,
        summary=f"{plan.summary} ({churn.label})",
        add_labels=(*plan.add_labels, churn.label),
        remove_labels=plan.remove_labels + others,
        needs_churn=False,
    )


def reason_note(
    plan: MovePlan, reason: str, signals: tuple[str, ...] = (), previous: str = ""
) -> str:
    """The note recording why health changed, so the issue's history shows it; with the
    template's reason it replaces (`previous`), so no text of it is lost."""
    lines = [f"**Health {plan.summary}**", "", reason.strip()]
    if signals:
        lines += ["", "Signals:", *(f"- {signal}" for signal in signals)]
    if previous.strip() and previous.strip() != reason.strip():
        lines += ["", "Reason for Health Score until now:", *quoted(previous)]
    return "\n".join(lines)


def quoted(text: str) -> list[str]:
    """`text` as Markdown quote lines."""
    return [f"> {line}".rstrip() for line in text.strip().splitlines()]


def review_labels(labels: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...], str]:
    """Toggle ~New (rule 3): (add, remove, summary). Reviewing removes it; undoing a
    review puts it back."""
    new = tuple(name for name in labels if name.strip().lower() == NEW_LABEL.lower())
    if new:
        return (), new, "reviewed (removed ~New)"
    return (NEW_LABEL,), (), "back to review (added ~New)"
