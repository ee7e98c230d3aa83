"""`triage-emulator gitlab`: a seeded GitLab emulator for manual runs."""

from __future__ import annotations

import argparse
import time
from datetime import date

from triage_emulators.gitlab import GitLabEmulator


def main() -> int:
    parser = argparse.ArgumentParser(prog="triage-emulator")
    commands = parser.add_subparsers(dest="command", required=True)
    gitlab = commands.add_parser("gitlab", help="serve a seeded GitLab project on 127.0.0.1")
    gitlab.add_argument("--count", type=int, default=300, help="issues to seed")
    gitlab.add_argument("--token", default="demo-token", help="the token it accepts")
    args = parser.parse_args()
    emulator = GitLabEmulator.from_demo(date.today(), count=args.count, token=args.token).start()
    print(f"GitLab emulator at {emulator.url}")
    print(f"  project: {emulator.project.path}   token: {args.token}")
    print("  triage-tui --gitlab-url URL --project PATH sync   (with GITLAB_TOKEN set)")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        emulator.stop()
    return 0
