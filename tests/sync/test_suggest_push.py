"""A move against the signals' suggestion reaches GitLab with its override reason (the
note and the template's reason field), and a refused push keeps what the person typed."""

from __future__ import annotations

from pathlib import Path

from tests.emulated import synced
from triage_emulators.gitlab import Fault, GitLabEmulator
from triage_tui.domain.board import BoardKind, Column
from triage_tui.domain.edit import EditState
from triage_tui.domain.health import Health
from triage_tui.domain.template import parse_description
from triage_tui.domain.triage import MoveDecision

AMBER = Column("Amber", "Amber", (), health=Health.AMBER)
RED_SIGNALS = ("Told us they are downgrading or cancelling", "No communication")


def test_an_override_refused_once_is_kept_then_reaches_gitlab(
    emu: GitLabEmulator, tmp_path: Path
) -> None:
    service = synced(emu, tmp_path)
    iid = next(
        iid
        for iid, issue in sorted(emu.project.issues.items())
        if issue["labels"][:1] == ["Red"] and issue["state"] == "opened"
    )
    plan = service.plan_move(iid, BoardKind.COLOURS, AMBER)
    decision = MoveDecision("Sponsor is back.", RED_SIGNALS, override_reason="CFO signed")
    service.decide_move(plan, decision)
    emu.faults.append(Fault("PUT", rf"/issues/{iid}$", 422))
    assert service.push().failed == 1
    (entry,) = service.outbox()
    assert entry.state is EditState.FAILED
    assert "Override reason: CFO signed" in entry.edit.note  # kept, as typed

    service.retry_edit(entry.id)
    assert service.push().pushed == 1 and not service.outbox()
    (note,) = [n["body"] for n in emu.project.notes[iid] if n["body"].startswith("**Health ")]
    assert "Chosen: Amber over the suggested Red (an override)" in note
    assert "Override reason: CFO signed" in note and "- Red: No communication (3)" in note
    reason = parse_description(emu.issue(iid)["description"]).reason
    assert reason == (
        "Sponsor is back.\n(Signals suggested Red, score 4.00; overridden with Amber: CFO signed)"
    )
