"""Drive the installed triage-tui in a real terminal (tmux), as a person would.

One place for everything the end-to-end tests share: where the installed command
is, a clean environment, a tmux session on a private socket that is read by
polling `capture-pane`, and a private sshd on loopback for logging in over SSH.
"""

from __future__ import annotations

import getpass
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from rich.cells import cell_len

#: How long a screen may take to show what a test waits for.
TIMEOUT = 20.0
#: Between two looks at the screen.
POLL = 0.05

#: The venv's bin directory (not resolved through the python symlink: that leaves the venv).
BIN = Path(os.path.abspath(sys.executable)).parent.resolve()
TRIAGE_TUI = BIN / "triage-tui"

#: What the shell around the command prints when the command exits, then its status.
EXIT_MARKER = "e2e-exit-status="
EXIT_STATUS = re.compile(rf"^{EXIT_MARKER}(\d+)$", re.MULTILINE)

#: Never on a screen the board draws: a crash shows one.
CRASH_MARKERS = ("Traceback", "Error in stylesheet")


def require(*programs: str) -> dict[str, str]:
    """Where each program is; skip the test, naming what is missing, when one is not there."""
    found = {name: shutil.which(name) for name in programs}
    missing = [name for name, path in found.items() if path is None]
    if missing:
        pytest.skip(
            f"{', '.join(missing)} not installed (`./run test` installs tmux and OpenSSH as root)"
        )
    if not TRIAGE_TUI.exists():
        pytest.skip(f"triage-tui is not installed at {TRIAGE_TUI} (run `./run test`)")
    return {name: path for name, path in found.items() if path is not None}


def clean_env(home: Path) -> dict[str, str]:
    """A minimal environment rooted in `home`: no tokens, agents or colour settings leak in,
    and nothing the board writes (config, cache, logs) lands in the real home."""
    home.mkdir(parents=True, exist_ok=True)
    return {
        "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_CACHE_HOME": str(home / "cache"),
        "XDG_STATE_HOME": str(home / "state"),
    }


def env_argv(env: Mapping[str, str]) -> list[str]:
    """`env K=V ...`: tmux sets TERM in a pane itself, so it is set on the command instead."""
    return ["env", *(f"{key}={value}" for key, value in env.items())]


def board_argv(cache: Path, env: Mapping[str, str]) -> list[str]:
    """The installed command on `cache`, with `env` (e.g. TERM, NO_COLOR) set for it."""
    return [*env_argv(env), str(TRIAGE_TUI), "--cache", str(cache)]


def write_demo_cache(path: Path, env: Mapping[str, str], count: int = 300) -> Path:
    """A demo cache written by the installed command, as a person would."""
    subprocess.run(
        [str(TRIAGE_TUI), "demo", "--out", str(path), "--count", str(count)],
        check=True,
        capture_output=True,
        env=dict(env),
        timeout=60,
    )
    return path


def lines(screen: str) -> list[str]:
    return screen.split("\n")


def header_line(screen: str) -> str:
    """The column headers: the line under the title bar."""
    rows = lines(screen)
    return rows[1] if len(rows) > 1 else ""


@dataclass
class Terminal:
    """One tmux server on its own socket, one window, one pane running one command."""

    env: dict[str, str]
    socket: str = field(default_factory=lambda: f"triage-e2e-{os.getpid()}-{secrets.token_hex(4)}")
    screen: str = ""
    """What the last capture showed."""
    socket_path: str = ""
    """The server's socket file, removed with the server."""

    def tmux(self, *args: str) -> str:
        result = subprocess.run(
            ["tmux", "-L", self.socket, "-f", "/dev/null", *args],
            check=True,
            capture_output=True,
            text=True,
            env=self.env,
            timeout=10,
        )
        return result.stdout

    def start(self, argv: Sequence[str], width: int, height: int) -> None:
        """Run `argv` in a width x height pane, under a shell that prints its exit status
        and stays (tmux itself can be slow to notice a pane's process has exited)."""
        assert ";" not in argv, "a lone ';' would end the tmux command"
        self.tmux(
            "new-session", "-d", "-x", str(width), "-y", str(height),
            "sh", "-c", f'"$@"; echo "{EXIT_MARKER}$?"; exec sleep 600', "sh", *argv,
        )  # fmt: skip
        self.socket_path = self.tmux("display-message", "-p", "#{socket_path}").strip()

    def kill(self) -> None:
        """Stop the server and everything in it, and remove its socket file."""
        subprocess.run(
            ["tmux", "-L", self.socket, "kill-server"],
            check=False,
            capture_output=True,
            env=self.env,
            timeout=10,
        )
        if self.socket_path:
            Path(self.socket_path).unlink(missing_ok=True)

    # -- reading ------------------------------------------------------------------------------

    def capture(self) -> str:
        """The visible screen, one line per row (blank rows kept); fails at once on a crash."""
        screen = self.tmux("capture-pane", "-p")
        self.screen = screen.removesuffix("\n")
        for marker in CRASH_MARKERS:
            assert marker not in self.screen, f"{marker!r} on screen:\n{self.framed()}"
        return self.screen

    def scrollback(self) -> str:
        """Everything the pane printed, history included (after the app left its alt screen)."""
        return self.tmux("capture-pane", "-p", "-S", "-", "-E", "-")

    def sgr_params(self) -> set[str]:
        """The parameters of every SGR sequence (colours, bold…) tmux holds for the screen:
        "1", "38;5;203", "91"…"""
        return set(re.findall(r"\x1b\[([0-9;]*)m", self.tmux("capture-pane", "-p", "-e")))

    def colours_of(self, word: str) -> list[str]:
        """The foreground colour each `word` on screen is drawn in, as its SGR says it:
        "32", "92", "38;5;77", "38;2;46;204;64", or "" for the terminal's default."""
        found: list[str] = []
        for line in self.tmux("capture-pane", "-p", "-e").splitlines():
            colour = ""
            for match in re.finditer(r"\x1b\[([0-9;]*)m|" + re.escape(word), line):
                if match.group(0) == word:
                    found.append(colour)
                    continue
                params = match.group(1).split(";") if match.group(1) else ["0"]
                at = 0
                while at < len(params):
                    code = params[at]
                    if code in ("0", "39"):
                        colour = ""
                    elif code in ("38",) and at + 1 < len(params):
                        width = 3 if params[at + 1] == "5" else 5
                        colour = ";".join(params[at : at + width])
                        at += width - 1
                    elif code.isdigit() and (30 <= int(code) <= 37 or 90 <= int(code) <= 97):
                        colour = code
                    elif code == "48" and at + 1 < len(params):
                        at += 2 if params[at + 1] == "5" else 4
                    at += 1
        return found

    def wait_until(
        self,
        ready: Callable[[str], bool],
        what: str | Callable[[str], str],
        timeout: float = TIMEOUT,
    ) -> str:
        """Poll the screen until `ready(screen)` holds on two captures in a row (tmux may be
        caught halfway through drawing a frame); the screen. On a timeout, fail showing
        the screen and what was awaited (a callable `what` says what is still wrong)."""
        deadline = time.monotonic() + timeout
        seen = False
        while True:
            screen = self.capture()
            if ready(screen):
                if seen:
                    return screen
                seen = True
            else:
                seen = False
                if time.monotonic() > deadline or self.exit_status(screen) is not None:
                    break
            time.sleep(POLL)
        status = self.exit_status(screen)
        state = "still running" if status is None else f"exited with {status}"
        wanted = what(screen) if callable(what) else what
        raise AssertionError(
            f"waited {timeout:.0f}s for {wanted} ({state}); screen:\n{self.framed()}"
        )

    def wait_for(self, *texts: str, timeout: float = TIMEOUT) -> str:
        """Until every one of `texts` is on screen."""
        return self.wait_until(
            lambda screen: all(text in screen for text in texts), f"{texts!r}", timeout
        )

    def wait_gone(self, *texts: str, timeout: float = TIMEOUT) -> str:
        """Until none of `texts` is on screen."""
        return self.wait_until(
            lambda screen: not any(text in screen for text in texts),
            f"{texts!r} to go away",
            timeout,
        )

    def wait_for_line(self, row: int, pattern: str, timeout: float = TIMEOUT) -> re.Match[str]:
        """Until screen line `row` matches the regex `pattern`; the match."""
        regex = re.compile(pattern)

        def ready(screen: str) -> bool:
            rows = lines(screen)
            return row < len(rows) and regex.search(rows[row]) is not None

        screen = self.wait_until(ready, f"line {row} to match {pattern!r}", timeout)
        match = regex.search(lines(screen)[row])
        assert match is not None
        return match

    def framed(self, label: str = "") -> str:
        """The last screen inside a frame, for reading in a report."""
        rows = lines(self.screen)
        width = max((cell_len(row) for row in rows), default=0)
        top = f"┌─ {label} " if label else "┌"
        return "\n".join(
            [
                top + "─" * max(0, width + 1 - cell_len(top)) + "┐",
                *(f"│{row}{' ' * (width - cell_len(row))}│" for row in rows),
                "└" + "─" * width + "┘",
            ]
        )

    def show(self, label: str) -> None:
        """Print the last screen (pytest shows it with -s, or with a failure)."""
        print(self.framed(label), flush=True)

    # -- acting -------------------------------------------------------------------------------

    def press(self, *keys: str) -> None:
        """tmux key names: "j", "Enter", "Escape", "?"."""
        for key in keys:
            self.tmux("send-keys", key)

    def type(self, text: str) -> None:
        """Literal text, as typed."""
        self.tmux("send-keys", "-l", text)

    def resize(self, width: int, height: int) -> None:
        self.tmux("resize-window", "-x", str(width), "-y", str(height))

    # -- the process --------------------------------------------------------------------------

    def exit_status(self, screen: str | None = None) -> int | None:
        """The command's exit status once it has exited (the shell printed it), else None."""
        found = EXIT_STATUS.search(self.capture() if screen is None else screen)
        return int(found[1]) if found else None

    def wait_exit(self, timeout: float = TIMEOUT) -> int:
        """Until the command has exited; its exit status. Nothing it printed on the way
        out (after leaving the alternate screen) may be a traceback."""
        screen = self.wait_until(
            lambda screen: self.exit_status(screen) is not None, "the command to exit", timeout
        )
        history = self.scrollback()
        for marker in CRASH_MARKERS:
            assert marker not in history, history
        status = self.exit_status(screen)
        assert status is not None
        return status


@contextmanager
def terminal(
    argv: Sequence[str], width: int, height: int, env: Mapping[str, str]
) -> Iterator[Terminal]:
    """A private tmux server running `argv`; the server is killed however the test ends."""
    require("tmux")
    term = Terminal(dict(env))
    try:
        term.start(argv, width, height)
        yield term
    finally:
        term.kill()


# -- a private sshd ------------------------------------------------------------------------


@dataclass(frozen=True)
class SshLogin:
    """How to log in to the private sshd."""

    user: str
    port: int
    key: Path

    def argv(self, remote_command: str) -> list[str]:
        """`ssh -tt` with a private key, no config, agent or known-hosts file of the user's."""
        return [
            "ssh", "-tt", "-F", "/dev/null", "-i", str(self.key),
            "-o", "IdentitiesOnly=yes", "-o", "IdentityAgent=none", "-o", "BatchMode=yes",
            "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
            "-o", "LogLevel=ERROR", "-p", str(self.port),
            f"{self.user}@127.0.0.1", remote_command,
        ]  # fmt: skip


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _keygen(path: Path, env: Mapping[str, str]) -> Path:
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "triage-e2e", "-f", str(path)],
        check=True,
        capture_output=True,
        env=dict(env),
        timeout=30,
    )
    return path


SSHD_CONFIG = """\
ListenAddress 127.0.0.1
Port {port}
HostKey {dir}/host_key
PidFile {dir}/sshd.pid
AuthorizedKeysFile {dir}/authorized_keys
AllowUsers {user}
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PermitUserEnvironment no
AllowAgentForwarding no
AllowTcpForwarding no
X11Forwarding no
PrintMotd no
PrintLastLog no
"""


def _sshd_binary() -> str | None:
    for candidate in (shutil.which("sshd"), "/usr/sbin/sshd"):
        if candidate and os.access(candidate, os.X_OK):
            return os.path.abspath(candidate)
    return None


@contextmanager
def private_sshd(workdir: Path, env: Mapping[str, str]) -> Iterator[SshLogin]:
    """sshd on 127.0.0.1 on a free port, accepting one fresh key for the current user only;
    skips the test, saying why, when it cannot run here."""
    require("ssh", "ssh-keygen")
    sshd = _sshd_binary()
    if sshd is None:
        pytest.skip("sshd not installed (`./run test` installs openssh-server as root)")
    if os.geteuid() == 0 and not Path("/run/sshd").is_dir():
        # The privilege separation directory a root sshd insists on.
        Path("/run/sshd").mkdir(mode=0o755, parents=True, exist_ok=True)
    workdir.mkdir(parents=True, exist_ok=True)
    user = getpass.getuser()
    _keygen(workdir / "host_key", env)
    key = _keygen(workdir / "client_key", env)
    (workdir / "authorized_keys").write_text(Path(f"{key}.pub").read_text())

    def config_for(port: int) -> str:
        return SSHD_CONFIG.format(port=port, dir=workdir, user=user)

    with _running_sshd(sshd, workdir, config_for, env) as port:
        yield SshLogin(user, port, key)


# -- a private sshd for several Unix users ---------------------------------------------------


@contextmanager
def _running_sshd(
    sshd: str, workdir: Path, config_for: Callable[[int], str], env: Mapping[str, str]
) -> Iterator[int]:
    """sshd -D with the config `config_for(port)` on a free port; the port. Skips, with
    sshd's own words, when it will not start; stops it however the test ends."""
    log = workdir / "sshd.log"
    process: subprocess.Popen[bytes] | None = None
    try:
        for _attempt in range(3):  # another process may take the free port before sshd does
            port = _free_port()
            config = workdir / "sshd_config"
            config.write_text(config_for(port))
            with log.open("wb") as out:
                process = subprocess.Popen(
                    [sshd, "-D", "-e", "-f", str(config)],
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    env=dict(env),
                )
            deadline = time.monotonic() + TIMEOUT
            while process.poll() is None and time.monotonic() < deadline:
                if "Server listening" in log.read_text(errors="replace"):
                    yield port
                    return
                time.sleep(POLL)
            text = log.read_text(errors="replace")
            if process.poll() is None or "Address already in use" not in text:
                break
        pytest.skip(f"could not start a private sshd: {log.read_text(errors='replace').strip()}")
    finally:
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


@contextmanager
def private_sshd_for_users(
    workdir: Path, env: Mapping[str, str], users: Sequence[str]
) -> Iterator[dict[str, SshLogin]]:
    """sshd on 127.0.0.1 on a free port that lets each of `users` (existing Unix users,
    not the current one) log in with a fresh key of their own; {user: login}.

    Needs root (sshd switches to the user). sshd reads a user's authorized keys as that
    user, so they live in a directory of their own under /tmp that anyone may enter,
    each file the user's own and 0600; it is removed afterwards. Skips, saying why, when
    sshd cannot run here."""
    import pwd
    import tempfile

    require("ssh", "ssh-keygen")
    sshd = _sshd_binary()
    if sshd is None:
        pytest.skip("sshd not installed (`./run test` installs openssh-server as root)")
    if os.geteuid() != 0:
        pytest.skip("logging in as other Unix users needs sshd started as root")
    if not Path("/run/sshd").is_dir():
        Path("/run/sshd").mkdir(mode=0o755, parents=True, exist_ok=True)
    workdir.mkdir(parents=True, exist_ok=True)
    _keygen(workdir / "host_key", env)
    keys = Path(tempfile.mkdtemp(prefix="triage-e2e-keys-"))
    try:
        os.chmod(keys, 0o755)
        logins: dict[str, SshLogin] = {}
        for user in users:
            key = _keygen(workdir / f"client_key_{user}", env)
            allowed = keys / user
            allowed.write_text(Path(f"{key}.pub").read_text())
            entry = pwd.getpwnam(user)
            os.chown(allowed, entry.pw_uid, entry.pw_gid)
            os.chmod(allowed, 0o600)
            logins[user] = SshLogin(user, 0, key)

        def config_for(port: int) -> str:
            text = SSHD_CONFIG.format(port=port, dir=workdir, user=" ".join(users))
            return text.replace(
                f"AuthorizedKeysFile {workdir}/authorized_keys", f"AuthorizedKeysFile {keys}/%u"
            )

        with _running_sshd(sshd, workdir, config_for, env) as port:
            yield {user: SshLogin(user, port, login.key) for user, login in logins.items()}
    finally:
        shutil.rmtree(keys, ignore_errors=True)
