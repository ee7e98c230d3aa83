"""Command line: parse arguments, build settings and the service, run the board.

Textual is imported only when the board opens, so headless commands stay fast
and never pay for (or depend on) the UI.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

from triage_tui import __version__
from triage_tui.config import (
    EXAMPLE,
    READ_ONLY_ENV,
    ConfigError,
    Settings,
    config_path,
    demo_cache_path,
    load_settings,
)
from triage_tui.domain.edit import EditState, outbox_lines
from triage_tui.domain.sync_report import RATE_LIMIT, progress_text
from triage_tui.services import TriageService, write_demo_cache
from triage_tui.store import CacheError
from triage_tui.store.file_modes import PRIVATE_MODE, SHARED_MODE, permission_problems
from triage_tui.store.health import DATABASE_ERRORS, cache_failure

#: `triage-tui sync`'s exit code when it did not pull: another process is pulling.
NOT_PULLED = 3


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="triage-tui",
        description="A keyboard-first terminal board for the Account Triage GitLab project.",
    )
    parser.add_argument("--version", action="version", version=f"triage-tui {__version__}")
    parser.add_argument(
        "--demo",
        action="store_true",
        help="open the board on built-in demo data (no account, no network)",
    )
    parser.add_argument("--cache", type=Path, help="the SQLite cache to read (default: per user)")
    parser.add_argument(
        "--shared",
        action="store_true",
        default=None,
        help="the cache is a team cache shared through a Unix group (see README)",
    )
    parser.add_argument("--config", type=Path, help="config file (default: see `config path`)")
    parser.add_argument("--gitlab-url", help="GitLab base URL (overrides the config file)")
    parser.add_argument("--project", help="triage project id or group/path (overrides config)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    config = commands.add_parser(
        "config",
        help="show where the config file is or an example; check the setup against GitLab "
        "and Salesforce",
    )
    config.add_argument("what", choices=("path", "example", "check"))
    sync = commands.add_parser("sync", help="pull the triage project from GitLab into the cache")
    sync.add_argument("--full", action="store_true", help="re-read everything (catches deletions)")
    # For the board, which runs its syncs in a child process: progress and the report as
    # JSON lines on stdout.
    sync.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    auth = commands.add_parser(
        "auth",
        help="store a GitLab token, or sign in to Salesforce (secrets from stdin, never argv)",
    )
    auth.add_argument("what", choices=("login", "salesforce"))
    auth.add_argument(
        "--flow",
        choices=("device", "jwt", "client", "password"),
        default="",
        help="how to sign in to Salesforce (asked when not given)",
    )
    outbox = commands.add_parser(
        "outbox", help="list edits not yet on GitLab; retry, discard or push them"
    )
    outbox.add_argument(
        "what", nargs="?", default="list", choices=("list", "retry", "discard", "push", "export")
    )
    outbox.add_argument(
        "ids", nargs="*", help="edit numbers (from the list); for export, the JSON file to write"
    )
    cache = commands.add_parser(
        "cache",
        help="create the cache (a team cache with --shared) and check its file modes; "
        "rebuild it from the servers, keeping the edits not yet on GitLab",
    )
    cache.add_argument("what", choices=("init", "rebuild"))
    serve = commands.add_parser(
        "serve",
        help="the board in a browser on 127.0.0.1 (to share the ER call): a read-only "
        "link to follow, and an edit link for you",
    )
    serve.add_argument("--port", type=int, default=8000, help="port on 127.0.0.1 (default 8000)")
    demo = commands.add_parser("demo", help="write a demo cache (for trying things and benchmarks)")
    demo.add_argument("--out", type=Path, required=True, help="where to write the cache")
    demo.add_argument("--count", type=int, default=300, help="number of issues (default 300)")
    return parser


def _settings(args: argparse.Namespace) -> Settings:
    return load_settings(
        args.config,
        cache_path=args.cache,
        shared=args.shared,
        gitlab_url=args.gitlab_url,
        project=args.project,
    )


#: Seconds a batch command (sync, outbox, rebuild) waits for another process's write
#: lock at the least. Nobody waits on it key by key, and giving up loses its work: on a
#: busy shared host (ten boards writing as people review, and a sync) a 5 s wait ran out.
BATCH_BUSY_TIMEOUT = 120.0


def _service(
    settings: Settings, cache_path: Path, *, create: bool = False, batch: bool = True
) -> TriageService:
    """The service on `cache_path`, private or a team cache as the settings say. (The
    board's sync child is not told --shared: it opens the existing cache, and inherits
    the umask that opening a team cache set.) Only the board (`batch=False`) waits no
    longer than the configured busy_timeout: a person is waiting on it."""
    return TriageService(
        cache_path,
        busy_timeout=max(settings.busy_timeout, BATCH_BUSY_TIMEOUT)
        if batch
        else settings.busy_timeout,
        settings=settings,
        create=create,
        mode=SHARED_MODE if settings.shared else PRIVATE_MODE,
    )


def _warn_permissions(settings: Settings, cache_path: Path) -> list[str]:
    """Say what is wrong with the cache's file modes (on stderr); the problems."""
    problems = permission_problems(cache_path, shared=settings.shared)
    for problem in problems:
        print(f"triage-tui: warning: {problem}", file=sys.stderr)
    return problems


def _cache_init(settings: Settings) -> int:
    """Create the cache (empty, migrated) with the modes its kind needs, and check them."""
    path = settings.cache_path
    existed = os.path.exists(path)  # False, not an error, where the directory is shut
    _service(settings, path, create=True).close()
    kind = "team cache (shared through its directory's group)" if settings.shared else "cache"
    print(f"{'Found' if existed else 'Created'} the {kind} at {path}.")
    return 1 if _warn_permissions(settings, path) else 0


def _config_check(settings: Settings) -> int:
    """Every check of services.checks, printed under its name; exit 1 on any problem."""
    from triage_tui.services.checks import is_problem, run_checks

    problems = 0
    heading = ""
    for name, line in run_checks(settings):
        if name != heading:
            print(name)
            heading = name
        print(f"  {line}", flush=True)
        problems += is_problem(line)
    for line in _keymap_check(settings):
        print(line if line == "Keymap" else f"  {line}", flush=True)
        problems += is_problem(line)
    if problems:
        print(f"{problems} problem{'s' if problems != 1 else ''} found.", file=sys.stderr)
    return 1 if problems else 0


def _keymap_check(settings: Settings) -> list[str]:
    """The [keymap], checked as the board checks it (only a keymap pays for importing the
    screens: Textual is not loaded otherwise)."""
    if not settings.keymap:
        return []
    from triage_tui.tui.keys import keymap_problems, screens_bindings

    found = keymap_problems(settings.keymap, screens_bindings())
    remapped = f"{len(settings.keymap)} binding{'s' if len(settings.keymap) != 1 else ''}"
    if found:
        return ["Keymap", *(f"problem: {problem}" for problem in found)]
    return ["Keymap", f"ok: {remapped} remapped; every key can be pressed, none is bound twice"]


def _sync(settings: Settings, full: bool, as_json: bool = False) -> int:
    service = _service(settings, settings.cache_path, create=True)
    if not as_json:
        _warn_permissions(settings, settings.cache_path)
    live = sys.stderr.isatty()
    last_phase = ""

    def progress(phase: str, done: int, total: int | None) -> None:
        nonlocal last_phase
        if as_json:
            print(json.dumps({"phase": phase, "done": done, "total": total}), flush=True)
        elif live:
            print(f"\r{progress_text(phase, done, total)}   ", end="", file=sys.stderr, flush=True)
        elif phase == RATE_LIMIT:
            if phase != last_phase:  # once per pause, with its length
                print(f"{progress_text(phase, done, total)}...", file=sys.stderr)
        elif phase != last_phase:
            print(f"{phase}...", file=sys.stderr)
        last_phase = phase

    report = service.sync(full=full or None, progress=progress)
    service.close()
    # Not pulled (another process is pulling into this cache) is not a success.
    status = 1 if not report.ok else NOT_PULLED if report.skipped else 0
    if as_json:
        print(json.dumps({"report": report.to_json()}), flush=True)
        return status
    if live:
        print(file=sys.stderr)
    print(report.summary(), file=sys.stdout if status == 0 else sys.stderr)
    return status


def _outbox(settings: Settings, what: str, args: list[str]) -> int:
    """Headless outbox: exit 1 while an edit needs the person (failed or in conflict)."""
    if what == "export":
        return _outbox_export(settings, args)
    if not all(arg.isdigit() for arg in args):
        print(
            "triage-tui: edit numbers are whole numbers (see `triage-tui outbox`).", file=sys.stderr
        )
        return 2
    ids = [int(arg) for arg in args]
    service = _service(settings, settings.cache_path)
    try:
        if what in ("retry", "discard"):
            known = {entry.id for entry in service.outbox()}
            for entry_id in ids:
                if entry_id not in known:
                    print(f"triage-tui: no waiting edit {entry_id}.", file=sys.stderr)
                    return 2
                (service.retry_edit if what == "retry" else service.discard_edit)(entry_id)
        if what in ("retry", "push"):
            print(service.push().summary())
        entries = service.outbox()
        for line in outbox_lines(entries):
            print(line)
        if not entries:
            print("No edits waiting: everything is on GitLab.")
        return 1 if any(e.state is not EditState.PENDING for e in entries) else 0
    finally:
        service.close()


def _outbox_export(settings: Settings, args: list[str]) -> int:
    """The edits not on GitLab yet, as JSON: read without opening the cache for writing,
    so a damaged, read-only or newer cache gives them up too."""
    from triage_tui.services.rebuild import export_outbox

    if len(args) != 1:
        print("triage-tui: say where to write: `triage-tui outbox export FILE`.", file=sys.stderr)
        return 2
    out = Path(args[0])
    try:
        count, lost = export_outbox(settings.cache_path, out, now=datetime.now(UTC))
    except OSError as error:
        print(f"triage-tui: cannot write {out}: {error.strerror}.", file=sys.stderr)
        return 2
    print(f"Wrote {count} edit{'s' if count != 1 else ''} not yet on GitLab to {out}.")
    for what in lost:
        print(f"triage-tui: could not be read from the cache: {what}.", file=sys.stderr)
    return 1 if lost else 0


def _cache_rebuild(settings: Settings) -> int:
    from triage_tui.services.rebuild import rebuild_cache

    def open_service(path: Path, with_settings: Settings) -> TriageService:
        return _service(with_settings, path, create=True)

    print(
        f"Rebuilding {settings.cache_path} (close every board on it first)...",
        file=sys.stderr,
        flush=True,
    )
    result = rebuild_cache(settings, open_service)
    for line in result.lines(settings.cache_path):
        print(line)
    return 0 if result.installed and result.report is not None and result.report.ok else 1


def _auth_login(settings: Settings) -> int:
    from getpass import getpass

    from triage_tui.sync.credentials import store_token

    if not settings.gitlab_url:
        print(
            "triage-tui: set gitlab_url in the config file or pass --gitlab-url first.",
            file=sys.stderr,
        )
        return 2
    prompt = f"GitLab token for {settings.gitlab_url}: "
    token = getpass(prompt) if sys.stdin.isatty() else sys.stdin.readline()
    token = token.strip()
    if not token:
        print("triage-tui: no token given; nothing stored.", file=sys.stderr)
        return 2
    where = store_token(settings.gitlab_url, token, config_path().parent)
    print(f"Token stored in {where}.")
    return 0


class _TerminalPrompt:
    """The walkthrough's questions: typed at a terminal (secrets through getpass), or
    read from stdin one answer a line when it is not a terminal (scripts, tests)."""

    def __init__(self) -> None:
        self.lines = None if sys.stdin.isatty() else iter(sys.stdin.read().splitlines())

    def ask(self, question: str, *, secret: bool = False) -> str:
        from getpass import getpass

        if self.lines is None:
            return getpass(question) if secret else input(question)
        return next(self.lines, "")

    def say(self, text: str) -> None:
        print(text)

    def fail(self, text: str) -> None:
        print(f"triage-tui: {text}", file=sys.stderr)


def _auth_salesforce(settings: Settings, flow: str) -> int:
    """Sign in to Salesforce, asking which way (OAuth first; see services.salesforce_setup)."""
    from triage_tui.config import SalesforceSettings
    from triage_tui.services.salesforce_setup import walk_sign_in

    return walk_sign_in(settings.salesforce or SalesforceSettings(), _TerminalPrompt(), flow=flow)


def _open_board(settings: Settings, cache_path: Path) -> int:
    today = date.today()
    service = _service(settings, cache_path, batch=False)
    service.read_only = os.environ.get(READ_ONLY_ENV, "")  # a follower of `serve`
    # Before the board takes the screen: the warning is read when the board is closed.
    _warn_permissions(settings, cache_path)
    # The board's first read, tried before Textual owns the terminal: a damaged page in it
    # is then one line on stderr (CacheError) instead of a traceback from inside the app.
    from triage_tui.domain.board import BoardKind

    service.first_screen(BoardKind.COLOURS, 1)
    from triage_tui.tui.app import TriageApp  # Textual only now, when the board opens.

    app = TriageApp(service, today=today, keymap=settings.keymap)
    app.run()
    service.close()
    return app.return_code or 0


def _serve(args: argparse.Namespace) -> int:
    """Serve the board as this command line would open it (the same cache and config).
    The demo is written once here: every tab's board reads that one copy."""
    if not 0 < args.port < 65536:
        raise ConfigError(f"--port {args.port}: a port is 1 to 65535.")
    board: list[str] = []
    if args.demo:
        demo = write_demo_cache(demo_cache_path(), today=date.today())
        board += ["--cache", str(demo)]
    elif args.cache:
        board += ["--cache", str(args.cache.expanduser().resolve())]
    if args.shared:
        board.append("--shared")
    for option, value in (("--gitlab-url", args.gitlab_url), ("--project", args.project)):
        if value is not None:
            board += [option, value]
    from triage_tui.serve import serve  # aiohttp and textual-serve only for this command

    return serve(board, args.port)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.config:
        # Children (the board's sync runs `triage-tui sync` in one) read the same file.
        os.environ["TRIAGE_TUI_CONFIG"] = str(args.config.expanduser().resolve())
    try:
        if args.command == "config" and args.what == "check":
            return _config_check(_settings(args))
        if args.command == "config":
            print(
                config_path() if args.what == "path" else EXAMPLE,
                end="\n" if args.what == "path" else "",
            )
            return 0
        if args.command == "demo":
            path = write_demo_cache(args.out, today=date.today(), count=args.count)
            print(f"Wrote {args.count} demo issues to {path}")
            return 0
        settings = _settings(args)
        if args.command == "sync":
            return _sync(settings, args.full, args.json)
        if args.command == "outbox":
            return _outbox(settings, args.what, args.ids)
        if args.command == "auth":
            return (
                _auth_salesforce(settings, args.flow)
                if args.what == "salesforce"
                else _auth_login(settings)
            )
        if args.command == "cache":
            return _cache_rebuild(settings) if args.what == "rebuild" else _cache_init(settings)
        if args.command == "serve":
            return _serve(args)
        if args.demo:
            demo = write_demo_cache(demo_cache_path(), today=date.today())
            return _open_board(replace(settings, shared=False), demo)  # demo data is private
        return _open_board(settings, settings.cache_path)
    except (CacheError, ConfigError) as error:
        print(f"triage-tui: {error}", file=sys.stderr)
        return getattr(error, "exit_code", 2)
    except DATABASE_ERRORS as error:
        # A damaged page met by a read (opening reads only the first ones): said plainly.
        failure = cache_failure(error, args.cache or "the cache")
        print(f"triage-tui: {failure}", file=sys.stderr)
        return failure.exit_code
    except KeyboardInterrupt:
        return 130
