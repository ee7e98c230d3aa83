"""The installed command's headless paths: clear messages, exit codes, nothing overwritten."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from triage_tui.cli import main
from triage_tui.store import Cache
from triage_tui.store.schema import SCHEMA_VERSION


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "triage_tui", *args],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
    )


def test_missing_cache_is_a_clear_error(tmp_path: Path) -> None:
    result = run_cli("--cache", str(tmp_path / "nope.db"))
    assert result.returncode == 4
    assert "No cache at" in result.stderr and "triage-tui --demo" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "nope.db").exists()


def test_not_a_database_is_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_bytes(b"my precious notes\n" * 100)
    before = path.read_bytes()
    result = run_cli("--cache", str(path))
    assert result.returncode == 5
    assert "not a triage-tui cache" in result.stderr and "Traceback" not in result.stderr
    assert path.read_bytes() == before


def test_cache_from_a_newer_version_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE future (x)")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    conn.commit()
    conn.close()
    before = path.read_bytes()
    result = run_cli("--cache", str(path))
    assert result.returncode == 6
    assert "newer triage-tui" in result.stderr and "Traceback" not in result.stderr
    assert path.read_bytes() == before


def test_locked_cache_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "locked.db"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("CREATE TABLE t (x)")
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.execute("BEGIN EXCLUSIVE")
    config = tmp_path / "config.toml"
    config.write_text("busy_timeout = 0.2\n")
    try:
        result = run_cli("--config", str(config), "--cache", str(path))
    finally:
        conn.execute("ROLLBACK")
        conn.close()
    assert result.returncode == 7, result.stderr
    assert "locked" in result.stderr and "Traceback" not in result.stderr


def test_a_batch_command_waits_out_a_writer_the_board_would_not(tmp_path: Path) -> None:
    """`sync`, `outbox` and `cache rebuild` wait for the write lock far longer than the
    configured busy_timeout (cli.BATCH_BUSY_TIMEOUT): nobody waits on them key by key,
    and a sync that gave up after 5 s on a busy shared host lost its whole pull."""
    path = tmp_path / "busy.db"
    Cache.open(path, create=True).close()
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode = DELETE")  # so that even a read must wait
    conn.execute("BEGIN EXCLUSIVE")
    conn.execute("INSERT INTO meta (key, value) VALUES ('held', 'yes')")
    config = tmp_path / "config.toml"
    config.write_text("busy_timeout = 0.2\n")
    release = threading.Timer(2.0, lambda: conn.execute("COMMIT"))
    release.start()
    try:
        result = run_cli("--config", str(config), "--cache", str(path), "outbox")
    finally:
        release.join()
        conn.close()
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr


def test_bad_config_is_a_clear_error(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("gitlab_url = [not toml")
    result = run_cli("--config", str(config), "--demo")
    assert result.returncode == 2
    assert "not valid TOML" in result.stderr and "Traceback" not in result.stderr


def test_config_path_follows_xdg(tmp_path: Path) -> None:
    result = run_cli("config", "path", env={"XDG_CONFIG_HOME": str(tmp_path)})
    assert result.stdout.strip() == str(tmp_path / "triage-tui" / "config.toml")


def test_demo_command_writes_a_cache(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "bench.db"
    assert main(["demo", "--out", str(out), "--count", "120"]) == 0
    conn = sqlite3.connect(out)
    assert conn.execute("SELECT COUNT(*) FROM issues").fetchone()[0] == 120
    assert oct(out.stat().st_mode & 0o777) == "0o600"


def test_headless_paths_never_import_textual() -> None:
    code = (
        "import sys; import triage_tui.cli, triage_tui.services, triage_tui.sync.mapping;"
        "assert 'textual' not in sys.modules, 'textual imported';"
        "assert 'gitlab' not in sys.modules, 'python-gitlab imported at start-up'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_salesforce_login_goes_to_the_keyring_or_is_refused_plainly(tmp_path: Path) -> None:
    """With no usable keyring the password is not written anywhere else."""
    result = subprocess.run(
        [sys.executable, "-m", "triage_tui", "auth", "salesforce", "--flow", "password"],
        input="lead@example.com\ns3cret-pass\ntok-123\n",
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
        env={
            **os.environ,
            "XDG_CONFIG_HOME": str(tmp_path),
            "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
        },
    )
    assert result.returncode == 2 and "keyring" in result.stderr.lower()
    assert "s3cret-pass" not in result.stdout + result.stderr
    assert not any(tmp_path.rglob("*"))  # nothing written as a file instead
