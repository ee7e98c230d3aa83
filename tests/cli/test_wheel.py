"""An installed wheel carries the top-level styles/ and the app finds them there."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_wheel_ships_and_finds_the_stylesheet(tmp_path: Path) -> None:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",  # hatchling is a dev dependency (pyproject.toml)
            "--quiet",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        timeout=240,
    )
    wheel = next(tmp_path.glob("triage_tui-*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        assert "triage_tui/styles/app.tcss" in names
        assert archive.read("triage_tui/styles/app.tcss") == (ROOT / "styles/app.tcss").read_bytes()
        archive.extractall(tmp_path / "site")
    # Import the app from the unpacked wheel only (not the source tree) and ask for its TCSS.
    code = (
        "from triage_tui.tui.app import stylesheet; import triage_tui;"
        "p = stylesheet(); assert p.is_file(), p;"
        f"assert str(p).startswith({str(tmp_path / 'site')!r}), p; print(p)"
    )
    result = subprocess.run(
        [
            sys.executable,
            "-I",
            "-c",
            f"import sys; sys.path.insert(0, {str(tmp_path / 'site')!r}); {code}",
        ],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
