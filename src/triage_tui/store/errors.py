"""Why a cache could not be opened, in words a person can act on."""

from __future__ import annotations

from triage_tui.domain.failure import PhrasedError


class CacheError(PhrasedError):
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


class CacheDamaged(CacheNotADatabase):
    """An SQLite file whose pages cannot be read (truncated, overwritten, bad sectors)."""

    exit_code = 8


class CacheReadOnly(CacheError):
    """The file or its directory cannot be written by this user (or is on a read-only
    mount): SQLite needs to write both, the -wal and -shm files live next to the file."""

    exit_code = 9


class CacheFull(CacheError):
    """A write did not fit: the disk is full, or a file-size limit (RLIMIT_FSIZE, a quota)."""

    exit_code = 10
