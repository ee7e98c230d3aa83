"""Every sync test runs with its own credentials and config dir."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _credentials(isolated_credentials: None) -> None:
    return None
