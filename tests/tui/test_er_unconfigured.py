"""The ER call without Salesforce configured (no [salesforce] table, no accounts cached):
it says so, and how to configure it, instead of listing every issue as having no
Salesforce account."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import OptionList

from tests.conftest import TODAY
from tests.tui.helpers import board_app, open_er_call, widget_text
from triage_tui.config import SalesforceSettings, Settings
from triage_tui.services import TriageService
from triage_tui.tui.er_screen import ERScreen


def without_accounts(demo_cache: Path, **settings: object) -> TriageService:
    service = TriageService(
        demo_cache,
        today=lambda: TODAY,
        settings=Settings(cache_path=demo_cache, **settings),  # type: ignore[arg-type]
    )
    service._cache().store_accounts([], replace_all=True)
    return service


async def open_mismatches(service: TriageService) -> tuple[ERScreen, str, str]:
    app = board_app(service)
    async with app.run_test(size=(140, 40)) as pilot:
        screen = await open_er_call(pilot, "3")
        await pilot.pause()
        tabs = widget_text(screen.query_one("#er-sections"))
        listing = widget_text(screen.query_one("#er-list", OptionList))
        return screen, tabs, listing


async def test_unconfigured_salesforce_is_said_not_counted(demo_cache: Path) -> None:
    service = without_accounts(demo_cache)
    screen, tabs, listing = await open_mismatches(service)
    assert "3 Mismatches (0)" in tabs
    assert screen.rows == []
    text = " ".join(listing.split())
    assert "Salesforce is not configured" in text and "[salesforce]" in text
    assert "no Salesforce account" not in text


async def test_configured_but_not_read_yet_lists_issues_without_an_account(
    demo_cache: Path,
) -> None:
    """Configured, before the first sync reads the accounts: the issues are listed, for
    the call to see that nothing could be checked yet (as before)."""
    settings = SalesforceSettings(instance_url="https://acme.my.salesforce.com")
    screen, tabs, listing = await open_mismatches(without_accounts(demo_cache, salesforce=settings))
    assert "not configured" not in listing
    assert screen.agenda.unmatched_issues and screen.rows
    assert f"3 Mismatches ({len(screen.rows)})" in tabs


async def test_accounts_cached_without_settings_are_checked(service: TriageService) -> None:
    """The demo (or a team cache another person's sync filled) has accounts: checked."""
    assert service.settings.salesforce is None
    screen, _, listing = await open_mismatches(service)
    assert "not configured" not in listing
    assert screen.agenda.mismatches and screen.rows
