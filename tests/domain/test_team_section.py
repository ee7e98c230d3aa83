"""The Triage team section: replaced in place, everything else in the description kept."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from triage_tui.domain.team import Role, TriageTeam
from triage_tui.domain.template import parse_description, replace_team

TEAM = TriageTeam.of(
    [(Role.TAM, ["zoe"]), (Role.TAM_LEADER, ["gus"]), (Role.PRODUCT_MANAGERS, ["p1", "p2"])]
)

HAND_EDITED = [
    # As the app writes it.
    "**Reason for Health Score:**\nbudget\n\n### Triage team\n\n- **TAM:** @a\n\n## Call log\nhi\n",
    # Edited in the web UI: other heading level, no bold, aliases, extra spaces.
    "Reason: budget\n\n## Triage Team:\nTAM: a\nOwner - @b\n   \nPSE: @c\n\nFree text after.\n",
    # Bold heading, bullets with asterisks, trailing text right after the section.
    "# **Triage team**\n* **TAM Lead:** @x\nSome note a person typed.",
]


@pytest.mark.parametrize("description", HAND_EDITED)
def test_the_section_is_replaced_and_the_rest_kept(description: str) -> None:
    updated = replace_team(description, TEAM)
    assert parse_description(updated).team == TEAM
    before = parse_description(description)
    after = parse_description(updated)
    assert after.extra == before.extra  # text around the section is untouched
    assert after.reason == before.reason
    assert updated.count("Triage team") == 1


def test_a_description_without_a_section_gets_one_at_the_end() -> None:
    updated = replace_team("**Salesforce URL:** https://x.example/1", TEAM)
    assert updated.startswith("**Salesforce URL:** https://x.example/1\n\n### Triage team")
    assert parse_description(updated).team == TEAM


def test_replacing_twice_is_stable() -> None:
    once = replace_team(HAND_EDITED[0], TEAM)
    assert replace_team(once, TEAM) == once


names = st.from_regex(r"[a-z][a-z0-9_.]{0,10}", fullmatch=True)


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.sampled_from(list(Role)), st.lists(names, min_size=1, max_size=3)))
def test_any_team_round_trips(members: dict[Role, list[str]]) -> None:
    team = TriageTeam.of(members.items())
    assert parse_description(replace_team(HAND_EDITED[1], team)).team == team
