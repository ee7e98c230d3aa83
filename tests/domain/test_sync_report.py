"""What a push says it did, in words a person reads on the status line."""

from __future__ import annotations

from datetime import UTC

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.domain.factories import FAST
from triage_tui.domain.sync_report import PushReport, SyncReport


@pytest.mark.parametrize(
    ("report", "said"),
    [
        (PushReport(), "no edits to push"),
        (PushReport(pushed=1), "1 edit pushed"),
        (PushReport(pushed=3, failed=1), "3 edits pushed, 1 rejected by GitLab"),
        (PushReport(conflicts=2, waiting=1, error="offline"), "2 in conflict, 1 waiting: offline"),
    ],
)
def test_push_summary(report: PushReport, said: str) -> None:
    assert report.summary() == said


def test_sync_summary_counts_in_words() -> None:
    assert SyncReport(full=True, issues=1, changed=1, notes_of=1, accounts=1).summary() == (
        "full sync: 1 issue changed, notes of 1; 1 Salesforce account"
    )
    assert SyncReport(full=False, issues=2, changed=2, notes_of=0).summary() == (
        "sync: 2 issues changed"
    )


@pytest.mark.parametrize(
    ("report", "said"),
    [
        # Failed before ("sync: 3 issues updated, notes of 0"): nothing had changed.
        (SyncReport(full=False, issues=3), "sync: nothing changed (3 issues re-read)"),
        (SyncReport(full=False, issues=1), "sync: nothing changed (1 issue re-read)"),
        (SyncReport(full=False), "sync: nothing changed"),
        (SyncReport(full=False, issues=5, changed=2, notes_of=2), (
            "sync: 2 issues changed (5 re-read), notes of 2"
        )),
        (SyncReport(full=False, issues=1, changed=1, notes_of=1), (
            "sync: 1 issue changed, notes of 1"
        )),
        # Notes an earlier, cut-off pull still owed are fetched though nothing changed.
        (SyncReport(full=False, issues=3, notes_of=4), (
            "sync: nothing changed (3 issues re-read), notes of 4"
        )),
        (SyncReport(full=True, issues=120, removed=2), (
            "full sync: no issue changed (120 issues re-read), 2 removed"
        )),
        (SyncReport(full=True, issues=120, changed=3, notes_of=3, removed=1), (
            "full sync: 3 issues changed (120 re-read), notes of 3, 1 removed"
        )),
        (SyncReport(full=False, issues=3, changed=1, error="Cannot reach GitLab"), (
            "Cannot reach GitLab"
        )),
        (SyncReport(full=False, skipped="ann is syncing"), "not pulled: ann is syncing"),
    ],
)  # fmt: skip
def test_a_sync_says_what_changed_and_what_it_only_re_read(report: SyncReport, said: str) -> None:
    assert report.summary() == said


reports = st.builds(
    SyncReport,
    full=st.booleans(),
    issues=st.integers(0, 10**5),
    changed=st.integers(0, 10**5),
    notes_of=st.integers(0, 10**5),
    removed=st.integers(0, 10**4),
    error=st.text(max_size=20),
    finished_at=st.none() | st.datetimes(timezones=st.just(UTC)),
    pushed=st.none() | st.builds(PushReport, pushed=st.integers(0, 9), error=st.text(max_size=9)),
    skipped=st.text(max_size=20),
    accounts=st.integers(0, 10**4),
    salesforce_error=st.text(max_size=20),
)


@FAST
@given(reports)
def test_a_report_crosses_from_the_sync_child_whole(report: SyncReport) -> None:
    """The board's sync runs in a child process that reports by JSON (the cursor stays
    in the child's cache). Failed before for `changed`, which did not exist."""
    assert SyncReport.from_json(report.to_json()) == report
