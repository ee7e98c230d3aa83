"""The one facade the UI and the headless CLI call (see service.TriageService)."""

from triage_tui.services.demo_cache import load_accounts, load_project, write_demo_cache
from triage_tui.services.service import TriageService
from triage_tui.store import CacheError as CacheProblem

#: What the UI may catch of the store's errors: a cache that refused a read or a write
#: (busy, full, read-only, damaged), each with a message that says what to do.
__all__ = ["CacheProblem", "TriageService", "load_accounts", "load_project", "write_demo_cache"]
