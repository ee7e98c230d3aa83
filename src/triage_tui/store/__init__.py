"""The local SQLite cache, over sqlite-utils. One connection per thread."""

from triage_tui.store.cache import Cache, CacheInfo
from triage_tui.store.errors import (
    CacheError,
    CacheLocked,
    CacheMissing,
    CacheNotADatabase,
    CacheTooNew,
)

__all__ = [
    "Cache",
    "CacheError",
    "CacheInfo",
    "CacheLocked",
    "CacheMissing",
    "CacheNotADatabase",
    "CacheTooNew",
]
