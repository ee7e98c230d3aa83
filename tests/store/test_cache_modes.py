"""File modes of a private and a team (shared) cache, and what is said about wrong ones."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from triage_tui.config import load_settings
from triage_tui.store import Cache
from triage_tui.store.file_modes import (
    PRIVATE_MODE,
    SHARED_DIR_MODE,
    SHARED_MODE,
    SHARED_UMASK,
    permission_problems,
)


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def siblings(path: Path) -> list[Path]:
    """The database and the -wal and -shm files SQLite keeps next to it in WAL mode."""
    return [path, Path(f"{path}-wal"), Path(f"{path}-shm")]


def write_something(cache: Cache) -> None:
    """A commit, so the -wal and -shm files exist (while the connection is open)."""
    cache.set_meta(note="hello")


def run_cli(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_CACHE_HOME": str(home / "cache"),
    }
    return subprocess.run(
        [sys.executable, "-m", "triage_tui", *args],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )


def test_a_private_cache_is_0600_in_a_0700_directory(tmp_path: Path) -> None:
    path = tmp_path / "mine" / "cache.db"
    cache = Cache.open(path, create=True)
    try:
        write_something(cache)
        assert mode_of(path.parent) == 0o700
        assert [mode_of(p) for p in siblings(path)] == [PRIVATE_MODE] * 3
    finally:
        cache.close()
    assert permission_problems(path, shared=False) == []


def test_a_team_cache_is_0660_in_a_setgid_0770_directory(tmp_path: Path) -> None:
    path = tmp_path / "team" / "cache.db"
    cache = Cache.open(path, create=True, mode=SHARED_MODE)
    try:
        write_something(cache)
        assert mode_of(path.parent) == SHARED_DIR_MODE == 0o2770
        assert path.parent.stat().st_mode & stat.S_ISGID
        assert [mode_of(p) for p in siblings(path)] == [0o660] * 3
        assert permission_problems(path, shared=True) == []
    finally:
        cache.close()


def test_opening_a_team_cache_sets_a_umask_that_keeps_group_write(tmp_path: Path) -> None:
    os.umask(0o077)
    Cache.open(tmp_path / "private.db", create=True).close()
    assert os.umask(0o077) == 0o077  # a private cache leaves the umask alone
    Cache.open(tmp_path / "team" / "cache.db", create=True, mode=SHARED_MODE).close()
    assert os.umask(0o077) == SHARED_UMASK == 0o007


def test_sqlite_gives_wal_and_shm_the_database_files_mode_whatever_the_umask(
    tmp_path: Path,
) -> None:
    """What Cache.open relies on: SQLite creates -wal and -shm with the db file's mode
    (it fchmods them), so a strict umask in one person's process shuts nobody out."""
    path = tmp_path / "team" / "cache.db"
    Cache.open(path, create=True, mode=SHARED_MODE).close()
    for extra in siblings(path)[1:]:
        assert not extra.exists()  # the last connection to close removed them
    os.umask(0o077)
    cache = Cache.open(path)  # opened as a private cache would be: umask untouched
    try:
        write_something(cache)
        assert [mode_of(p) for p in siblings(path)] == [0o660] * 3
    finally:
        cache.close()


def test_files_in_the_setgid_directory_get_its_group(team_dir: Path) -> None:
    path = team_dir / "cache.db"  # TEAM_GID: root may hand a directory to an unnamed group
    cache = Cache.open(path, create=True, mode=SHARED_MODE)
    try:
        write_something(cache)
        assert [p.stat().st_gid for p in siblings(path)] == [TEAM_GID] * 3
        assert permission_problems(path, shared=True) == []
    finally:
        cache.close()


def test_an_existing_directory_is_left_as_it_is_and_its_problems_said(tmp_path: Path) -> None:
    folder = tmp_path / "team"
    folder.mkdir(mode=0o755)
    os.chmod(folder, 0o755)
    path = folder / "cache.db"
    Cache.open(path, create=True, mode=SHARED_MODE).close()
    assert mode_of(folder) == 0o755
    problems = permission_problems(path, shared=True)
    assert len(problems) == 2, problems
    assert "is not group-writable (mode 0755)" in problems[0]
    assert f"chmod 2770 {folder}" in problems[0]
    assert "is not setgid" in problems[1] and f"chmod g+s {folder}" in problems[1]


def test_a_team_cache_file_the_group_cannot_write_is_named(tmp_path: Path) -> None:
    path = tmp_path / "team" / "cache.db"
    Cache.open(path, create=True, mode=SHARED_MODE).close()
    os.chmod(path, 0o640)
    (problem,) = permission_problems(path, shared=True)
    assert f"{path} is not group-writable (mode 0640)" in problem
    assert f"chmod 660 {path}" in problem


def test_a_private_cache_readable_by_others_is_warned_about_not_refused(tmp_path: Path) -> None:
    path = tmp_path / "cache.db"
    Cache.open(path, create=True).close()
    os.chmod(path, 0o644)
    (problem,) = permission_problems(path, shared=False)
    assert "readable by others (mode 0644)" in problem and f"chmod 600 {path}" in problem
    Cache.open(path).close()  # still opens


#: Someone else: not root, not the owner, in the team's group (as_teammate).
TEAMMATE_UID = 65_534
TEAM_GID = 54_321


def as_teammate(path: Path) -> str:
    """Open the cache at `path` and write to it as another user who is in the team's group
    (a forked child drops to TEAMMATE_UID with TEAM_GID as its one group); "" on success,
    else the error's message."""
    # The child cannot read this interpreter's own files once it is the teammate (they
    # live under root's home here): load what the cache's error messages import lazily.
    import grp  # noqa: F401

    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        message = ""
        try:
            os.close(read)
            os.setgroups([TEAM_GID])
            os.setgid(TEAM_GID)
            os.setuid(TEAMMATE_UID)
            cache = Cache.open(path, mode=SHARED_MODE)
            write_something(cache)
            cache.close()
        except BaseException as error:
            message = f"{type(error).__name__}: {error}"
        os.write(write, message.encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        answer = pipe.read().decode()
    os.waitpid(pid, 0)
    return answer


@pytest.fixture
def team_dir() -> Iterator[Path]:
    """A directory as the README sets one up: the team's group, 2770 (under /tmp, since
    pytest's own temporary directories are closed to other users)."""
    if os.geteuid() != 0:
        pytest.skip("acting as another user needs root")
    with tempfile.TemporaryDirectory(prefix="triage-team-") as top:
        os.chmod(top, 0o755)
        folder = Path(top) / "team"
        folder.mkdir()
        os.chown(folder, -1, TEAM_GID)
        os.chmod(folder, SHARED_DIR_MODE)
        yield folder


def test_a_teammate_uses_the_team_cache_and_keeps_it_usable(team_dir: Path) -> None:
    path = team_dir / "cache.db"
    Cache.open(path, create=True, mode=SHARED_MODE).close()
    assert as_teammate(path) == ""
    # The teammate's process created -wal and -shm while it had the cache open: the
    # owner (and everyone else in the group) can still write after it.
    cache = Cache.open(path, mode=SHARED_MODE)
    try:
        assert cache.get_meta("note") == "hello"
        write_something(cache)
        assert [(mode_of(p), p.stat().st_gid) for p in siblings(path)] == [(0o660, TEAM_GID)] * 3
    finally:
        cache.close()


def test_a_team_cache_the_teammate_cannot_open_says_why(team_dir: Path) -> None:
    path = team_dir / "cache.db"
    Cache.open(path, create=True, mode=SHARED_MODE).close()
    os.chmod(team_dir, 0o2750)  # the group may read but not create -wal and -shm there
    answer = as_teammate(path)
    assert answer.startswith("CacheReadOnly: The cache"), answer  # (store.health)
    assert f"{team_dir} is not group-writable (mode 2750)" in answer
    assert f"chmod 2770 {team_dir}" in answer
    os.chmod(team_dir, 0o700)  # not even in: said plainly, not a traceback
    answer = as_teammate(path)
    assert answer.startswith("CacheError: Cannot reach the cache"), answer


def test_shared_is_a_config_key_and_a_flag(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    assert load_settings(config).shared is False
    config.write_text('cache = "/srv/triage/cache.db"\nshared = true\n')
    settings = load_settings(config)
    assert settings.shared is True and settings.cache_path == Path("/srv/triage/cache.db")
    assert load_settings(config, shared=None).shared is True  # no flag: the file decides
    config.write_text('shared = "yes"\n')
    with pytest.raises(Exception, match="`shared` should be a bool"):
        load_settings(config)


def test_cache_init_makes_a_team_cache_and_checks_it(tmp_path: Path) -> None:
    path = tmp_path / "srv" / "triage" / "cache.db"
    result = run_cli("--shared", "--cache", str(path), "cache", "init", home=tmp_path / "home")
    assert result.returncode == 0, result.stderr
    assert "Created the team cache" in result.stdout and result.stderr == ""
    assert mode_of(path.parent) == 0o2770 and mode_of(path) == 0o660
    # The same from the config file's key; a directory the group cannot write is named.
    os.chmod(path.parent, 0o2750)
    config = tmp_path / "config.toml"
    config.write_text(f'cache = "{path}"\nshared = true\n')
    result = run_cli("--config", str(config), "cache", "init", home=tmp_path / "home")
    assert result.returncode == 1
    assert "Found the team cache" in result.stdout
    assert "warning: The shared cache's directory" in result.stderr
    assert "not group-writable" in result.stderr and "Traceback" not in result.stderr


def test_cache_init_makes_a_private_cache_by_default(tmp_path: Path) -> None:
    path = tmp_path / "data" / "cache.db"
    result = run_cli("--cache", str(path), "cache", "init", home=tmp_path / "home")
    assert result.returncode == 0, result.stderr
    assert "Created the cache" in result.stdout
    assert mode_of(path.parent) == 0o700 and mode_of(path) == 0o600
