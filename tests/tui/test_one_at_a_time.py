"""The "one at a time, again if asked" rule the board's loads and the app's pushes share
(tui.one_at_a_time), over every order of asks and ends."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from triage_tui.tui.one_at_a_time import OneAtATime


@given(st.lists(st.sampled_from(["ask", "end"]), max_size=40))
def test_never_two_at_once_and_no_ask_is_lost_or_doubled(events: list[str]) -> None:
    job = OneAtATime()
    runs = 0
    asked_since_start = 0  # asks made while the current run was going
    for event in events:
        if event == "ask":
            started = job.ask()
            if started:
                runs += 1
            else:
                asked_since_start += 1
            assert job.running
        elif job.running:
            again = job.finished()
            # Asked for during the run: exactly one more run (however many asks).
            assert again == (asked_since_start > 0)
            asked_since_start = 0
            assert not job.running and not job.wanted
            if again:
                assert job.ask()
                runs += 1
    asks = events.count("ask")
    assert runs <= asks
    # An idle job starts on the first ask: with no ask there is no run.
    assert (runs == 0) == (asks == 0)
