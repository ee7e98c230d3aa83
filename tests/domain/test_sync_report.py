"""What a push says it did, in words a person reads on the status line."""

from __future__ import annotations

import pytest

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
    assert SyncReport(full=True, issues=1, notes_of=1, accounts=1).summary() == (
        "full sync: 1 issue updated, notes of 1; 1 Salesforce account"
    )
    assert SyncReport(full=False, issues=2, notes_of=0).summary() == (
        "sync: 2 issues updated, notes of 0"
    )
