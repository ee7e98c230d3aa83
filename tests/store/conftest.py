"""Opening a team cache sets the process's umask: every test here gets its own back."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def restore_umask() -> Iterator[int]:
    """The umask the test started with (restored afterwards)."""
    before = os.umask(0o022)
    os.umask(before)
    yield before
    os.umask(before)
