"""The triage team: reading people, roles that take one person or several, required roles."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.domain.factories import FAST, usernames
from triage_tui.domain.team import (
    REQUIRED_ROLES,
    ROLE_ALIASES,
    Role,
    TriageTeam,
    not_members,
    parse_people,
)


@pytest.mark.parametrize(
    ("text", "people"),
    [
        ("@alice", ("alice",)),
        ("@alice, @bob", ("alice", "bob")),
        ("@alice,@bob;@carol", ("alice", "bob", "carol")),
        ("alice bob", ("alice", "bob")),
        ("@alice and @bob", ("alice", "bob")),
        ("@alice & @bob", ("alice", "bob")),
        ("  @alice  ", ("alice",)),
        ("@alice, @alice", ("alice",)),
        ("**@alice**", ("alice",)),
        ("_@alice_", ("alice",)),
        ("__@alice__", ("alice",)),
        ("`@alice`", ("alice",)),
        ("@first.last", ("first.last",)),
        ("@jo-ann", ("jo-ann",)),
        ("@user_1", ("user_1",)),
        ("@bob_", ("bob_",)),
        ("**@bob_**", ("bob_",)),
        ("@_bob", ("_bob",)),
        ("—", ()),
        ("-", ()),
        ("--", ()),
        ("", ()),
        ("   ", ()),
        ("n/a", ()),
        ("N/A", ()),
        ("none", ()),
        ("TBD", ()),
        ("_none_", ()),
        ("@alice, TBD", ("alice",)),
        ("@-bad", ()),
        ("(vacant)", ()),
    ],
)
def test_parse_people(text: str, people: tuple[str, ...]) -> None:
    assert parse_people(text) == people


def test_roles_in_handbook_order() -> None:
    assert [r.value for r in Role] == [
        "Account Owner",
        "TAM",
        "TAM Leader",
        "CS Manager / Director",
        "Regional Sales Manager",
        "Solutions Architect",
        "Professional Services Engineer",
        "Executive Sponsor",
        "Product Managers",
    ]


def test_only_product_managers_allow_several() -> None:
    assert [r for r in Role if r.allows_several] == [Role.PRODUCT_MANAGERS]


@pytest.mark.parametrize("role", list(Role))
def test_every_role_is_read_by_its_own_name(role: Role) -> None:
    assert ROLE_ALIASES[role.value.lower()] is role


def test_a_single_role_keeps_the_first_person() -> None:
    team = TriageTeam.of([(Role.TAM, ["alice", "bob"])])
    assert team.people(Role.TAM) == ("alice",)
    assert team.first(Role.TAM) == "alice"


def test_product_managers_keep_everyone_once_in_order() -> None:
    team = TriageTeam.of([(Role.PRODUCT_MANAGERS, ["pm2", "pm1", "pm2"])])
    assert team.people(Role.PRODUCT_MANAGERS) == ("pm2", "pm1")


def test_a_role_with_nobody_is_absent() -> None:
    team = TriageTeam.of([(Role.TAM, []), (Role.ACCOUNT_OWNER, ["owner"])])
    assert Role.TAM not in team.members
    assert team.people(Role.TAM) == ()
    assert team.first(Role.TAM) is None
    assert team


def test_empty_team_is_falsy() -> None:
    assert not TriageTeam()
    assert not TriageTeam.of([(Role.TAM, ())])


def test_members_are_in_role_order_whatever_the_input_order() -> None:
    team = TriageTeam.of(
        [(Role.EXECUTIVE_SPONSOR, ["exec"]), (Role.TAM, ["tam"]), (Role.ACCOUNT_OWNER, ["ao"])]
    )
    assert list(team.members) == [Role.ACCOUNT_OWNER, Role.TAM, Role.EXECUTIVE_SPONSOR]
    assert team.everyone == ("ao", "tam", "exec")


def test_everyone_lists_a_person_once() -> None:
    team = TriageTeam.of(
        [(Role.ACCOUNT_OWNER, ["ann"]), (Role.EXECUTIVE_SPONSOR, ["ann"]), (Role.TAM, ["tim"])]
    )
    assert team.everyone == ("ann", "tim")


def test_with_role_replaces_only_that_role() -> None:
    team = TriageTeam.of([(Role.TAM, ["old"]), (Role.ACCOUNT_OWNER, ["ao"])])
    changed = team.with_role(Role.TAM, ["new"])
    assert changed.people(Role.TAM) == ("new",)
    assert changed.people(Role.ACCOUNT_OWNER) == ("ao",)
    assert team.people(Role.TAM) == ("old",)  # immutable: the original is unchanged


def test_with_role_to_nobody_removes_the_role() -> None:
    team = TriageTeam.of([(Role.TAM, ["old"]), (Role.ACCOUNT_OWNER, ["ao"])])
    assert Role.TAM not in team.with_role(Role.TAM, []).members


def test_with_role_respects_one_or_several() -> None:
    team = TriageTeam()
    assert team.with_role(Role.TAM, ["a", "b"]).people(Role.TAM) == ("a",)
    assert team.with_role(Role.PRODUCT_MANAGERS, ["a", "b"]).people(Role.PRODUCT_MANAGERS) == (
        "a",
        "b",
    )


def test_required_roles() -> None:
    assert REQUIRED_ROLES == (Role.ACCOUNT_OWNER, Role.TAM, Role.EXECUTIVE_SPONSOR)


def test_empty_team_misses_every_required_role_and_a_leader() -> None:
    assert TriageTeam().missing_roles() == (
        "Account Owner",
        "TAM",
        "TAM Leader or CS Manager / Director",
        "Executive Sponsor",
    )


FULL = TriageTeam.of(
    [
        (Role.ACCOUNT_OWNER, ["ao"]),
        (Role.TAM, ["tam"]),
        (Role.TAM_LEADER, ["lead"]),
        (Role.EXECUTIVE_SPONSOR, ["exec"]),
    ]
)


def test_a_full_team_misses_nothing() -> None:
    assert FULL.has_leader
    assert FULL.missing_roles() == ()


@pytest.mark.parametrize("leader", [Role.TAM_LEADER, Role.CS_LEADER])
def test_either_leader_role_counts(leader: Role) -> None:
    team = FULL.with_role(Role.TAM_LEADER, []).with_role(leader, ["boss"])
    assert team.has_leader
    assert team.missing_roles() == ()


def test_no_leader() -> None:
    team = FULL.with_role(Role.TAM_LEADER, [])
    assert not team.has_leader
    assert team.missing_roles() == ("TAM Leader or CS Manager / Director",)


@pytest.mark.parametrize(
    ("present", "missing"),
    [
        (
            (Role.ACCOUNT_OWNER, Role.TAM),
            ("TAM Leader or CS Manager / Director", "Executive Sponsor"),
        ),
        (
            (Role.TAM,),
            ("Account Owner", "TAM Leader or CS Manager / Director", "Executive Sponsor"),
        ),
        (
            (Role.EXECUTIVE_SPONSOR,),
            ("Account Owner", "TAM", "TAM Leader or CS Manager / Director"),
        ),
        ((Role.TAM_LEADER,), ("Account Owner", "TAM", "Executive Sponsor")),
    ],
)
def test_missing_roles_are_in_handbook_order(
    present: tuple[Role, ...], missing: tuple[str, ...]
) -> None:
    team = TriageTeam.of([(role, ["someone"]) for role in present])
    assert team.missing_roles() == missing


@pytest.mark.parametrize("role", REQUIRED_ROLES)
def test_each_required_role_is_reported_by_name(role: Role) -> None:
    assert FULL.with_role(role, []).missing_roles() == (role.value,)


def test_optional_roles_are_never_missing() -> None:
    optional = [
        Role.REGIONAL_SALES_MANAGER,
        Role.SOLUTIONS_ARCHITECT,
        Role.PS_ENGINEER,
        Role.PRODUCT_MANAGERS,
    ]
    team = FULL
    for role in optional:
        team = team.with_role(role, [])
    assert team.missing_roles() == ()


USERNAMES = usernames()


@FAST
@given(st.lists(USERNAMES, max_size=6), st.sampled_from([", ", ",", "; ", " ", " and "]))
def test_mentions_read_back(names: list[str], sep: str) -> None:
    assert parse_people(sep.join(f"@{n}" for n in names)) == tuple(dict.fromkeys(names))


@FAST
@given(
    st.lists(
        st.tuples(
            st.sampled_from(list(Role)),
            st.lists(st.sampled_from(["ann", "bob", "cy", "dee"]), max_size=3),
        ),
        max_size=12,
    )
)
def test_team_invariants(pairs: list[tuple[Role, list[str]]]) -> None:
    team = TriageTeam.of(pairs)
    for role, people in team.members.items():
        assert people
        assert len(set(people)) == len(people)
        assert role.allows_several or len(people) == 1
    assert list(team.members) == [r for r in Role if r in team.members]
    assert set(team.everyone) == {p for people in team.members.values() for p in people}
    assert team.has_leader == bool(team.people(Role.TAM_LEADER) or team.people(Role.CS_LEADER))


@FAST
@given(people=st.lists(usernames()), members=st.lists(usernames()))
def test_who_is_not_a_member(people: list[str], members: list[str]) -> None:
    """GitLab takes only members as assignees, comparing usernames without case; with no
    members known (a demo, a first sync not done), nobody is flagged."""
    found = not_members(people, members)
    if not members:
        assert found == ()
    known = {m.lower() for m in members}
    assert all(p.lower() not in known for p in found)
    assert set(found) == ({p for p in people if p.lower() not in known} if members else set())
    assert len(found) == len(set(found))


def test_not_a_member_examples() -> None:
    assert not_members(["bob", "Alice", "bob"], ["alice", "carol"]) == ("bob",)
    assert not_members(["bob"], []) == ()
    assert not_members([], ["alice"]) == ()
