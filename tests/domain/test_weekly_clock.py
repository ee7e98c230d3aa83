"""Which notes restart the weekly clock (handbook rule 5): a person's, not the app's
record of a health move, not a system note, not a bot's."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.domain.factories import FAST, usernames
from triage_tui.domain.board import BoardKind, Column
from triage_tui.domain.edit import MARKER
from triage_tui.domain.health import Health
from triage_tui.domain.issue import IssueState
from triage_tui.domain.labels import ChurnClass
from triage_tui.domain.records import Note
from triage_tui.domain.team import Role, TriageTeam
from triage_tui.domain.triage import plan_move, reason_note, with_churn
from triage_tui.domain.weekly import (
    bot_names,
    counts_as_update,
    is_bot,
    is_health_move_note,
    update_template,
)

WHEN = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
TEAM = TriageTeam.of([(Role.TAM, ["liam"]), (Role.TAM_LEADER, ["gustav"])])
NO_BOTS: frozenset[str] = frozenset()


def note(body: str, author: str = "liam", *, system: bool = False) -> Note:
    return Note(id=1, issue_iid=7, author=author, body=body, created_at=WHEN, system=system)


def pushed(body: str, uid: str = "0b5e") -> str:
    """`body` as the push sends it to GitLab (sync.push._push_one)."""
    return f"{body.rstrip()}\n\n{MARKER.format(uid=uid)}"


#: GitLab's access-token bots, by their generated usernames (old and new schemes).
token_bots = st.builds(
    lambda kind, number, tail: f"{kind}_{number}_bot{tail}",
    st.sampled_from(["project", "group", "Project"]),
    st.integers(1, 10**9),
    st.one_of(
        st.just(""),
        st.integers(1, 99).map(str),
        st.text("0123456789abcdef", min_size=1, max_size=32).map(lambda h: "_" + h),
    ),
)
#: The notes the app writes for a health move: from every health, with churn classes.
healths = st.sampled_from(list(Health))
start_labels = st.lists(st.sampled_from([h.label for h in Health]), max_size=2, unique=True)


@st.composite
def health_move_bodies(draw: st.DrawFn) -> str:
    labels = tuple(draw(start_labels))
    target = draw(healths.filter(lambda h: (h.label,) != labels))
    plan = plan_move(
        iid=7,
        labels=labels,
        state=IssueState.OPENED,
        kind=BoardKind.COLOURS,
        target=Column(target.label, target.label, (), health=target),
        team=TEAM,
    )
    if plan.needs_churn:
        plan = with_churn(plan, labels, draw(st.sampled_from(list(ChurnClass))))
    reason = draw(st.text(min_size=1, max_size=40).filter(str.strip))
    signals = tuple(draw(st.lists(st.text(min_size=1, max_size=10), max_size=2)))
    return reason_note(plan, reason, signals, draw(st.sampled_from(["", "Old reason"])))


# -- bots -----------------------------------------------------------------------------------


@FAST
@given(token_bots)
def test_gitlabs_token_bots_are_bots_without_configuring_them(name: str) -> None:
    assert is_bot(name, NO_BOTS)
    assert not counts_as_update(note("Weekly: exec call done", name), NO_BOTS)


@FAST
@given(usernames())
def test_people_are_not_bots(name: str) -> None:
    # (A generated name that happens to look like a token bot's is one.)
    looks_like_a_token_bot = is_bot(name, NO_BOTS)
    assert not looks_like_a_token_bot or "_bot" in name.lower()
    assert counts_as_update(note("Weekly: exec call done", name), NO_BOTS) is not (
        looks_like_a_token_bot
    )


@FAST
@given(usernames(), st.sampled_from(["", "@", " "]), st.booleans())
def test_configured_bots_match_whatever_their_case_or_at_sign(
    name: str, prefix: str, upper: bool
) -> None:
    bots = bot_names([prefix + (name.upper() if upper else name), "other-bot"])
    assert is_bot(name, bots) and is_bot(name.upper(), bots)
    assert not counts_as_update(note("Weekly: exec call done", name), bots)


def test_names_close_to_a_token_bots_are_people() -> None:
    for name in ["project_bot", "project_12_botany", "my_project_12_bot", "project_x_bot",
                 "project_12_bot_xyz", "group_12_bots", "project12_bot"]:  # fmt: skip
        assert not is_bot(name, NO_BOTS), name
    assert bot_names(["", "  ", "@Renovate "]) == {"renovate"}


# -- health-move notes ------------------------------------------------------------------------


@FAST
@given(health_move_bodies(), st.text("0123456789abcdef", min_size=1, max_size=12))
def test_the_apps_health_move_notes_are_not_updates(body: str, uid: str) -> None:
    assert is_health_move_note(pushed(body, uid))
    assert not counts_as_update(note(pushed(body, uid)), NO_BOTS)


@FAST
@given(health_move_bodies())
def test_a_health_move_written_by_hand_is_an_update(body: str) -> None:
    """Without the app's marker a person wrote it, and a person's note is an update."""
    assert not is_health_move_note(body)
    assert counts_as_update(note(body), NO_BOTS)


@FAST
@given(st.sampled_from([*Health, None]), st.text(max_size=60))
def test_the_apps_weekly_updates_are_updates(health: Health | None, extra: str) -> None:
    body = pushed(update_template(health).replace("- \n", f"- {extra}\n", 1))
    assert counts_as_update(note(body), NO_BOTS)


def test_a_health_line_further_down_is_an_update() -> None:
    body = pushed("Exec call done.\n**Health Amber → Yellow**")
    assert counts_as_update(note(body), NO_BOTS)


# -- the whole rule -------------------------------------------------------------------------


@pytest.mark.parametrize("system", [False, True])
@pytest.mark.parametrize("author", ["liam", "renovate", "project_42_bot_5f3a9c"])
@pytest.mark.parametrize("move", [False, True])
def test_only_a_persons_note_that_is_no_health_move_counts(
    system: bool, author: str, move: bool
) -> None:
    body = pushed("**Health Red → Amber**\n\nChampion is back." if move else "Exec call done.")
    counts = counts_as_update(note(body, author, system=system), bot_names(["Renovate"]))
    assert counts is (not system and author == "liam" and not move)
