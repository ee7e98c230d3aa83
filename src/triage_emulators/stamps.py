"""Salesforce's datetime format, both ways."""

from __future__ import annotations

import re
from datetime import UTC, datetime


def stamp(moment: datetime) -> str:
    """Salesforce's datetime format: "2026-11-24T12:00:00.000+0000"."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def parse_stamp(text: str) -> datetime | None:
    cleaned = text.strip().replace("Z", "+00:00")
    if re.search(r"[+-]\d{4}$", cleaned):
        cleaned = f"{cleaned[:-2]}:{cleaned[-2:]}"
    try:
        moment = datetime.fromisoformat(cleaned)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
