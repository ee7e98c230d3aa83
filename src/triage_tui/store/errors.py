"""Why a cache could not be opened, in words a person can act on."""

from __future__ import annotations


class CacheError(Exception):
    """A cache problem with a message fit to show as-is. `exit_code` is for the CLI."""

    exit_code = 3


class CacheMissing(CacheError):
    exit_code = 4


class CacheNotADatabase(CacheError):
    exit_code = 5


class CacheTooNew(CacheError):
    exit_code = 6


class CacheLocked(CacheError):
    exit_code = 7
