"""The one facade the UI and the headless CLI call (see service.TriageService)."""

from triage_tui.services.demo_cache import load_accounts, load_project, write_demo_cache
from triage_tui.services.service import TriageService

__all__ = ["TriageService", "load_accounts", "load_project", "write_demo_cache"]
