"""Who holds a lease on a shared cache (pull or push), and whether it still runs.

A holder is "user@host:pid". Leases are rows in the cache's meta table (Cache.take_lease);
these helpers name this process and tell a killed holder from a live one.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path


def this_holder(user: str) -> str:
    """This process, as a lease's holder."""
    return f"{user}@{socket.gethostname()}:{os.getpid()}"


def holder_gone(holder: str) -> bool:
    """A lease's holder is a process of this host that no longer runs (killed mid-sync):
    its lease need not be waited out. Another host's, or one this user may not signal,
    is taken as alive (the lease then expires in its time)."""
    user_host, _, pid = holder.rpartition(":")
    if user_host.rpartition("@")[2] != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except OSError:  # PermissionError: someone else's process, alive
        return False
    return _is_zombie(int(pid))


def _is_zombie(pid: int) -> bool:
    """The process has ended but was never reaped: it still answers kill(pid, 0). Seen
    when the board is killed with its sync child: the orphaned child goes to PID 1, and a
    container's PID 1 may reap nothing, so its lease held every sync off for 5 minutes.
    (Linux's /proc; elsewhere taken as running.)"""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    # "pid (comm) state ...": comm may hold spaces and parentheses, so after the last ")".
    return stat.rpartition(")")[2].split()[:1] == ["Z"]
