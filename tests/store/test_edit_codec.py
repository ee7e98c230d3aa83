"""The outbox's JSON payload (store.edit_codec): every Edit comes back as it went in,
and payloads written by the hand-written codec before it still read."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from triage_tui.domain.edit import Edit, EditKind
from triage_tui.domain.issue import IssueState
from triage_tui.domain.team import Role, TriageTeam
from triage_tui.store.edit_codec import edit_from_json, edit_json

texts = st.text(max_size=20)
maybe_texts = st.none() | texts  # None ("leave alone") and "" ("clear") are not the same
names = st.tuples() | st.lists(texts, max_size=3).map(tuple)
teams = st.none() | st.dictionaries(
    st.sampled_from(list(Role)), st.lists(texts, min_size=1, max_size=2).map(tuple), max_size=3
).map(lambda members: TriageTeam.of(members.items()))
edits = st.builds(
    Edit,
    kind=st.sampled_from(list(EditKind)),
    iid=st.integers(-5, 10**6),
    uid=texts,
    summary=texts,
    add_labels=names,
    remove_labels=names,
    state=st.none() | st.sampled_from(list(IssueState)),
    assignees=st.none() | names,
    assignee_ids=st.none() | st.lists(st.integers(0, 10**6), max_size=3).map(tuple),
    milestone=maybe_texts,
    milestone_id=st.none() | st.integers(0, 10**6),
    due_date=maybe_texts,
    description=maybe_texts,
    title=maybe_texts,
    body=texts,
    note=texts,
    team=teams,
    reason=maybe_texts,
    account_id=texts,
    account_health=texts,
    unmodified_since=texts,
    confirmed_on=texts,
)


@given(edits)
def test_every_edit_comes_back_as_it_was_stored(edit: Edit) -> None:
    assert edit_from_json(edit_json(edit)) == edit


#: A payload the hand-written Edit.to_json wrote (an earlier version's outbox row).
OLD_PAYLOAD = json.dumps(
    {
        "kind": "update",
        "iid": 17,
        "uid": "abc123",
        "summary": "Red → Amber",
        "add_labels": ["Amber"],
        "remove_labels": ["Red"],
        "state": None,
        "assignees": None,
        "assignee_ids": None,
        "milestone": "",
        "milestone_id": None,
        "due_date": None,
        "description": None,
        "title": None,
        "body": "",
        "note": "Champion left",
        "team": {"TAM": ["dana"]},
        "reason": "Lost our champion",
        "account_id": "",
        "account_health": "",
        "unmodified_since": "",
    }  # (no confirmed_on: payloads from before it existed)
)


def test_a_payload_of_an_earlier_version_reads() -> None:
    edit = edit_from_json(OLD_PAYLOAD)
    assert edit == Edit(
        EditKind.UPDATE,
        17,
        "abc123",
        "Red → Amber",
        add_labels=("Amber",),
        remove_labels=("Red",),
        milestone="",
        note="Champion left",
        team=TriageTeam.of([(Role.TAM, ("dana",))]),
        reason="Lost our champion",
    )
    assert edit.confirmed_on == "" and edit.milestone == "" and edit.state is None


def test_a_payload_without_its_issue_is_refused_not_guessed() -> None:
    with pytest.raises(ValueError, match="iid"):
        edit_from_json(json.dumps({"kind": "note", "uid": "x"}))
