"""Fixtures shared by every test: a fixed today, and demo caches."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from triage_tui.services import TriageService, write_demo_cache

TODAY = date(2026, 11, 24)


@pytest.fixture
def today() -> date:
    return TODAY


@pytest.fixture
def demo_cache(tmp_path: Path) -> Path:
    """A 300-issue demo cache (hostile titles included), generated for TODAY."""
    return write_demo_cache(tmp_path / "demo.db", today=TODAY, count=300)


@pytest.fixture
def service(demo_cache: Path) -> TriageService:
    svc = TriageService(demo_cache, today=lambda: TODAY)
    yield svc
    svc.close()
