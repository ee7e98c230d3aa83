"""The reason a score is sent to Salesforce with: one dated line, added below what the
account's reasons field holds (the link to the running call notes), never over it."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from triage_tui.domain.accounts import holds_reason, reason_line, with_reason
from triage_tui.domain.text import clean_text

DAY = date(2026, 12, 2)


def test_the_line_says_when_where_and_who() -> None:
    assert reason_line(DAY, "alice", "Lost\ntheir  champion") == (
        "2026-12-02 (GitLab triage, @alice): Lost their champion"
    )
    assert reason_line(DAY, "@bob", "x") == "2026-12-02 (GitLab triage, @bob): x"
    assert reason_line(DAY, "", "x") == "2026-12-02 (GitLab triage): x"
    assert reason_line(DAY, "\x1b[31mmallory", "a\x1b]0;t\x07b") == (
        "2026-12-02 (GitLab triage, @mallory): ab"
    )


def test_the_line_goes_below_the_text_in_its_line_ends() -> None:
    line = reason_line(DAY, "alice", "why")
    assert with_reason("", line) == line
    assert with_reason("notes: https://x", line) == f"notes: https://x\n{line}"
    assert with_reason("a\r\nb", line) == f"a\r\nb\r\n{line}"
    assert with_reason("a\n", line) == f"a\n{line}"


@given(existing=st.text(), day=st.dates(), author=st.text(), reason=st.text())
def test_what_is_there_is_kept_and_the_line_is_found_once_added(
    existing: str, day: date, author: str, reason: str
) -> None:
    line = reason_line(day, author, reason)
    assert "\n" not in line and "\r" not in line
    written = with_reason(existing, line)
    assert written.startswith(existing)
    # Read back as the mapping reads Salesforce's text (cleaned), the line is there.
    assert holds_reason(clean_text(written), line)


@given(existing=st.text(), reason=st.text(min_size=1))
def test_a_line_not_added_is_not_found(existing: str, reason: str) -> None:
    line = reason_line(DAY, "alice", reason)
    other = reason_line(date(2026, 12, 3), "alice", reason)  # the same reason, another day
    assert not holds_reason(clean_text(with_reason(existing, other)), line) or (
        holds_reason(clean_text(existing), line)
    )
