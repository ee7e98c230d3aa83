"""Command line: parse arguments, build settings and the service, run the board.

Textual is imported only when the board opens, so headless commands stay fast
and never pay for (or depend on) the UI.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from triage_tui import __version__
from triage_tui.config import (
    EXAMPLE,
    ConfigError,
    Settings,
    config_path,
    demo_cache_path,
    load_settings,
)
from triage_tui.services import TriageService, write_demo_cache
from triage_tui.store import CacheError


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
    parser.add_argument("--config", type=Path, help="config file (default: see `config path`)")
    parser.add_argument("--gitlab-url", help="GitLab base URL (overrides the config file)")
    parser.add_argument("--project", help="triage project id or group/path (overrides config)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    config = commands.add_parser("config", help="show where the config file is, or an example")
    config.add_argument("what", choices=("path", "example"))
    demo = commands.add_parser("demo", help="write a demo cache (for trying things and benchmarks)")
    demo.add_argument("--out", type=Path, required=True, help="where to write the cache")
    demo.add_argument("--count", type=int, default=300, help="number of issues (default 300)")
    return parser


def _settings(args: argparse.Namespace) -> Settings:
    return load_settings(
        args.config,
        cache_path=args.cache,
        gitlab_url=args.gitlab_url,
        project=args.project,
    )


def _open_board(settings: Settings, cache_path: Path) -> int:
    today = date.today()
    service = TriageService(cache_path, busy_timeout=settings.busy_timeout)
    from triage_tui.tui.app import TriageApp  # Textual only now, when the board opens.

    app = TriageApp(service, today=today, keymap=settings.keymap)
    app.run()
    service.close()
    return app.return_code or 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
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
        if args.demo:
            return _open_board(settings, write_demo_cache(demo_cache_path(), today=date.today()))
        return _open_board(settings, settings.cache_path)
    except (CacheError, ConfigError) as error:
        print(f"triage-tui: {error}", file=sys.stderr)
        return getattr(error, "exit_code", 2)
    except KeyboardInterrupt:
        return 130
