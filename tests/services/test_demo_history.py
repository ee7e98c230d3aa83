"""The demo's health history: the demo cache holds what a sync reads from the GitLab
emulator's label events for the same demo (the two are made from the same steps), and
it is a history a lead would recognise: every colour is moved to and from, and each
issue's last change is the colour its labels have now, open and closed alike."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

from tests.conftest import TODAY, TOKEN
from tests.emulated import synced
from triage_emulators.gitlab import GitLabEmulator
from triage_tui.domain.health import Health
from triage_tui.services import TriageService, write_demo_cache

COUNT = 120


def test_the_demo_cache_history_is_what_a_sync_of_the_demo_reads(
    tmp_path: Path, isolated_credentials: None
) -> None:
    demo = TriageService(write_demo_cache(tmp_path / "demo.db", today=TODAY, count=COUNT))
    with GitLabEmulator.from_demo(TODAY, count=COUNT, token=TOKEN) as emu:
        pulled = synced(emu, tmp_path)
    moved: set[tuple[Health | None, Health | None]] = set()
    states: set[str] = set()
    for card in demo.cards(include_closed=True):
        ours = [(c.at, c.health, c.author) for c in demo.health_history(card.iid)]
        theirs = [(c.at, c.health, c.author) for c in pulled.health_history(card.iid)]
        assert ours == theirs, card.iid
        changes = demo.health_history(card.iid)  # newest first
        colours = [label for label in card.summary.labels if Health.parse(label) is not None]
        if len(colours) == 1:  # (the demo also has issues with no health label, or two)
            assert changes and changes[0].health is card.health, card.iid
        moved |= {(old.health, new.health) for new, old in pairwise(changes)}
        states.add("closed" if card.closed else "open")
    assert states == {"open", "closed"}
    assert {old for old, _ in moved} >= set(Health) and {new for _, new in moved} >= set(Health)
