"""File modes of private and team caches: how a cache file and its directory are made,
and what is wrong with an existing one's modes, said for a person to fix."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from triage_tui.store.errors import CacheError

#: A per-user cache: only its owner reads it (it holds what their GitLab token can read).
PRIVATE_MODE = 0o600
PRIVATE_DIR_MODE = 0o700
#: A team cache shared through a Unix group: group read and write, nothing for others.
SHARED_MODE = 0o660
#: setgid, so every file created in it (the db, SQLite's -wal and -shm) gets the
#: directory's group rather than its creator's own group, which the others are not in.
SHARED_DIR_MODE = 0o2770
#: The umask of a process that opens a team cache: group keeps write, others get nothing.
SHARED_UMASK = 0o007


def is_shared_mode(mode: int) -> bool:
    """A file mode with group write is a team cache's (see Cache.open)."""
    return bool(mode & stat.S_IWGRP)


def make_cache_dir(directory: Path, dir_mode: int) -> None:
    """Make the cache's directory with `dir_mode` if it is missing. An existing directory
    is left as it is: `permission_problems` reports one that does not fit."""
    try:
        directory.mkdir(parents=True, mode=dir_mode & 0o777)
    except FileExistsError:
        return
    # mkdir drops the setgid bit and applies the umask: set the mode exactly.
    os.chmod(directory, dir_mode)


def create_file(path: Path, mode: int) -> None:
    """Create the empty database file with exactly `mode` (not narrowed by the umask).
    SQLite gives the -wal and -shm files it creates the database file's permissions (and,
    in a setgid directory, the directory's group)."""
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, mode)
    except FileExistsError:
        return  # another process created it a moment ago: its mode is its creator's choice
    try:
        os.fchmod(fd, mode)
    finally:
        os.close(fd)


def _group_name(gid: int) -> str:
    import grp

    try:
        return grp.getgrgid(gid).gr_name
    except KeyError:
        return str(gid)


def permission_problems(path: Path | str, *, shared: bool) -> list[str]:
    """What is wrong with the modes of the cache at `path`, in sentences for a person;
    empty when nothing is. Nothing is changed: the fix is the owner's or the admin's call.

    A team cache (`shared`) needs a directory the group can write (SQLite creates the
    -wal and -shm files there), setgid (so those files get the group) and a database
    file the group can write. A private cache should be readable by its owner only: it
    holds everything the syncing token can read.
    """
    path = Path(path).expanduser()
    problems: list[str] = []
    try:
        info = path.stat() if path.exists() else None
        folder = path.parent.stat()
    except OSError:
        return problems  # opening the cache reports what cannot be reached, and why
    if not shared:
        if info is not None and info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            problems.append(
                f"The private cache {path} is readable by others "
                f"(mode {stat.S_IMODE(info.st_mode):04o}) and holds everything your GitLab "
                f"token can read. Run `chmod 600 {path}`, or, if it is a team cache, set "
                "`shared = true` (or pass --shared)."
            )
        return problems
    group = _group_name(folder.st_gid)
    dir_mode = stat.S_IMODE(folder.st_mode)
    if (dir_mode & 0o070) != 0o070:
        problems.append(
            f"The shared cache's directory {path.parent} is not group-writable "
            f"(mode {dir_mode:04o}): other members of group {group} cannot open the cache, "
            f"since SQLite creates its -wal and -shm files there. Run "
            f"`chmod 2770 {path.parent}`."
        )
    if not dir_mode & stat.S_ISGID:
        problems.append(
            f"The shared cache's directory {path.parent} is not setgid (mode {dir_mode:04o}): "
            f"files created in it get their creator's own group instead of {group}, and the "
            f"others are shut out of them. Run `chmod g+s {path.parent}`."
        )
    for file in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        try:
            file_info = file.stat()
        except OSError:
            continue
        file_mode = stat.S_IMODE(file_info.st_mode)
        if (file_mode & 0o060) != 0o060:
            problems.append(
                f"The shared cache file {file} is not group-writable (mode {file_mode:04o}). "
                f"Run `chmod 660 {file}`."
            )
        if file_info.st_gid != folder.st_gid:
            problems.append(
                f"The shared cache file {file} belongs to group {_group_name(file_info.st_gid)}, "
                f"not {group} like its directory. Run `chgrp {group} {file}`."
            )
    return problems


def with_problems(error: CacheError, path: Path, shared: bool) -> CacheError:
    """`error`, with what is wrong with a team cache's modes when that is the likely cause."""
    problems = permission_problems(path, shared=shared) if shared else []
    if not problems:
        return error
    return type(error)(" ".join([str(error), *problems]))
