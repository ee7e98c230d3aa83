"""The ER call as a record in the cache: started once, resumed, ended explicitly; and
fixes made on it leave the agenda at once, before they are pushed."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from textual.widgets import OptionList

from tests.conftest import TODAY
from tests.tui.helpers import board_app, open_er_call, until, widget_text
from triage_tui.domain.accounts import Account
from triage_tui.domain.edit import EditKind
from triage_tui.domain.er_call import ActionKind
from triage_tui.domain.health import Health
from triage_tui.services import TriageService
from triage_tui.tui.er_screen import ERScreen
from triage_tui.tui.pickers import MenuModal, TextModal


def test_a_call_keeps_its_start_counts_and_its_actions(service: TriageService) -> None:
    call = service.er_call()
    start = dict(call.counts_at_start)
    card = service.agenda().new_issues[0]
    service.toggle_reviewed(card.iid)
    call = service.er_call_did(call, ActionKind.REVIEWED, card.summary.title, iid=card.iid)
    # Opening it again (another screen, a restart) resumes the same call.
    again = TriageService(service.cache_path, today=lambda: TODAY).er_call()
    assert again.id == call.id and again.counts_at_start == start
    assert [a.line() for a in again.actions] == [f"#{card.iid} {card.summary.title}"]
    assert service.agenda().counts()["New at-risk"] == start["New at-risk"] - 1
    summary = service.er_summary(again)
    assert f"New at-risk: {start['New at-risk']}," in summary.split("Agenda now")[0]
    ended, path = service.end_er_call(again)
    assert ended.ended_at is not None and path.read_text(encoding="utf-8").startswith("# Customer")
    fresh = service.er_call()
    assert fresh.id != call.id and fresh.actions == ()


def test_a_new_issue_opened_on_the_call_is_named_by_its_number(service: TriageService) -> None:
    call = service.er_call()
    account = next(a for a in service.agenda().missing_issues if a.health is not Health.RED)
    form = replace(
        service.form_for_account(account), success_plan_url="https://x.example/p", reason="r"
    )
    local = service.new_issue(form)
    call = service.er_call_did(call, ActionKind.OPENED, account.name, iid=local)
    assert call.actions[0].line() == f"#new {account.name}"  # never "#-1"
    assert account.id[:15] not in {a.id[:15] for a in service.agenda().missing_issues}
    # GitLab creates it as #900 (what the push does with GitLab's answer): the record follows.
    cache = service._cache()
    (entry,) = [e for e in service.outbox() if e.edit.iid == local]
    placeholder = cache.cached_issue(local)
    assert placeholder is not None
    cache.finish_edit(entry.id, replace(placeholder, iid=900))
    assert service.er_call().actions[0].line() == f"#900 {account.name}"


def test_fixes_leave_the_agenda_before_they_are_pushed(service: TriageService) -> None:
    agenda = service.agenda()
    mismatch = agenda.mismatches[0]
    assert mismatch.card.health is not None
    service.set_salesforce_health(mismatch.account, mismatch.card.health, "call")
    after = service.agenda()
    assert mismatch.card.iid not in {m.card.iid for m in after.mismatches}
    shown = next(a for a in service.accounts() if a.id == mismatch.account.id)
    assert shown.pending and shown.health is mismatch.card.health and shown.health_date == TODAY
    # Confirming a stale score takes it off the stale list, the same way.
    stale = after.stale_scores[0]
    assert stale.health is not None
    service.set_salesforce_health(stale, stale.health, "confirmed on the call")
    assert stale.id not in {a.id for a in service.agenda().stale_scores}


def title(app: object) -> str:
    return widget_text(app.screen.query_one("#er-title"))  # type: ignore[attr-defined]


async def test_the_call_survives_esc_and_a_restart_and_ends_when_ended(
    service: TriageService, tmp_path: Path
) -> None:
    app = board_app(service)
    async with app.run_test(size=(140, 40)) as pilot:
        await pilot.press("E")
        await until(pilot, lambda: isinstance(app.screen, ERScreen))
        first = app.screen.rows[0].item  # type: ignore[attr-defined]
        await pilot.press("r")
        await until(pilot, lambda: "1 reviewed" in title(app))
        listing = app.screen.query_one("#er-list", OptionList)
        assert first not in [row.item for row in app.screen.rows]  # type: ignore[attr-defined]
        assert listing.option_count == len(app.screen.rows)  # type: ignore[attr-defined]
        await pilot.press("escape", "E")
        await until(pilot, lambda: isinstance(app.screen, ERScreen))
        assert "1 reviewed" in title(app)  # Esc left the call open
    restarted = board_app(TriageService(service.cache_path, today=lambda: TODAY))
    async with restarted.run_test(size=(140, 40)) as pilot:
        await pilot.press("E")
        await until(pilot, lambda: isinstance(restarted.screen, ERScreen))
        assert "1 reviewed" in title(restarted)
        await pilot.press("e")
        await until(pilot, lambda: isinstance(restarted.screen, MenuModal))
        await pilot.press("y")
        await until(pilot, lambda: not isinstance(restarted.screen, (ERScreen, MenuModal)))
        await pilot.press("E")
        await until(pilot, lambda: isinstance(restarted.screen, ERScreen))
        assert "0 reviewed" in title(restarted)  # a new call


async def test_c_confirms_a_stale_score_with_a_note(service: TriageService) -> None:
    """Section 5: `c` on a stale score asks what confirms it and sends the same score,
    dated today, through the outbox; the account leaves the list and the record has it."""
    app = board_app(service)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await open_er_call(pilot, "5")
        stale = screen.rows[0].item
        assert isinstance(stale, Account) and stale.health is not None
        await pilot.press("c")
        await until(pilot, lambda: isinstance(app.screen, TextModal))
        await pilot.press(*"Cadence call today: still on track", "enter")
        await until(pilot, lambda: isinstance(app.screen, ERScreen))
        await until(pilot, lambda: "1 confirmed" in title(app))
        assert stale.id not in {row.item.id for row in screen.rows if isinstance(row.item, Account)}
    (entry,) = [e for e in service.outbox() if e.edit.kind is EditKind.SALESFORCE_HEALTH]
    assert entry.edit.account_id == stale.id
    assert entry.edit.account_health == stale.health.label
    assert "still on track" in entry.edit.body
