"""What each of the cache's parts (its groups of tables) is built on."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite_utils


class Part:
    """Tables on the Cache's connection, written in its BEGIN IMMEDIATE transaction
    (`write`): the part reads and writes, the Cache owns the connection."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        write: Callable[[], AbstractContextManager[sqlite_utils.Database]],
    ) -> None:
        self.conn = conn
        self.write = write
