"""What a sync did, or why it failed: data, never an exception."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class SyncReport:
    full: bool
    issues: int = 0
    notes_of: int = 0
    removed: int = 0
    cursor: datetime | None = None
    error: str = ""
    finished_at: datetime | None = None

    @property
    def ok(self) -> bool:
        return not self.error

    def summary(self) -> str:
        if self.error:
            return self.error
        kind = "full sync" if self.full else "sync"
        text = f"{kind}: {self.issues} issues updated, notes of {self.notes_of}"
        return text + (f", {self.removed} removed" if self.removed else "")
