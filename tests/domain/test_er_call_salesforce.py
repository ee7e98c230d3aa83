"""The ER call with no Salesforce to check against: no issue is counted as having no
account (every one was, under Mismatches); the agenda says Salesforce is missing."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import TODAY
from tests.domain.factories import FAST, card
from triage_tui.domain.er_call import build_agenda

LABELS = st.sampled_from(["Red", "Amber", "Yellow", "Green", "New", "EMEA"])


@FAST
@given(labels=st.lists(st.lists(LABELS, max_size=3), max_size=8))
def test_without_salesforce_no_issue_is_unmatched(labels: list[list[str]]) -> None:
    cards = [card(n, *dict.fromkeys(these)) for n, these in enumerate(labels, start=1)]
    missing = build_agenda(cards, [], TODAY, salesforce=False)
    assert not missing.salesforce
    assert missing.unmatched_issues == () and missing.mismatches == ()
    assert missing.counts()["Mismatches"] == 0
    # With Salesforce there (configured, nothing read yet), every open issue is unmatched.
    there = build_agenda(cards, [], TODAY)
    assert there.salesforce and len(there.unmatched_issues) == len(cards)
    assert there.counts()["Mismatches"] == len(cards)
    # The rest of the agenda does not depend on it.
    assert missing.new_issues == there.new_issues
    assert missing.silent_issues == there.silent_issues
