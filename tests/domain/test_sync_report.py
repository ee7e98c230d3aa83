"""What a push says it did, in words a person reads on the status line."""

from __future__ import annotations

import pytest

from triage_tui.domain.sync_report import PushReport


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
