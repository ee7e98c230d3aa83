"""`triage-emulator gitlab|salesforce`: seeded emulators for manual runs."""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from datetime import date

from triage_emulators.gitlab import GitLabEmulator


def main() -> int:
    parser = argparse.ArgumentParser(prog="triage-emulator")
    commands = parser.add_subparsers(dest="command", required=True)
    gitlab = commands.add_parser("gitlab", help="serve a seeded GitLab project on 127.0.0.1")
    gitlab.add_argument("--count", type=int, default=300, help="issues to seed")
    gitlab.add_argument("--token", default="demo-token", help="the token it accepts")
    gitlab.add_argument("--latency", type=float, default=0.0, help="seconds per request")
    gitlab.add_argument(
        "--rate-limit",
        type=int,
        default=0,
        help="requests per user and window, as GitLab.com's 2,000 a minute (0: none)",
    )
    gitlab.add_argument(
        "--rate-window", type=float, default=60.0, help="seconds per rate-limit window"
    )
    salesforce = commands.add_parser(
        "salesforce", help="serve seeded Salesforce accounts over HTTPS on 127.0.0.1"
    )
    salesforce.add_argument(
        "--count", type=int, default=300, help="demo issues the accounts match (as for gitlab)"
    )
    args = parser.parse_args()
    if args.command == "salesforce":
        return _serve_salesforce(args.count)
    emulator = GitLabEmulator.from_demo(date.today(), count=args.count, token=args.token).start()
    emulator.latency = args.latency
    emulator.rate_limit, emulator.rate_window = args.rate_limit, args.rate_window
    print(f"GitLab emulator at {emulator.url}", flush=True)
    print(f"  project: {emulator.project.path}   token: {args.token}")
    print("  triage-tui --gitlab-url URL --project PATH sync   (with GITLAB_TOKEN set)")
    _wait(emulator.stop)
    return 0


def _serve_salesforce(count: int) -> int:
    from triage_emulators.salesforce import SalesforceEmulator

    emulator = SalesforceEmulator.from_demo(date.today(), count=count).start()
    print(f"Salesforce emulator at {emulator.url} ({len(emulator.accounts)} accounts)")
    print(f"  trust its test CA: [salesforce] ca_bundle = {emulator.ca_pem_path!r}")
    print(f"  [salesforce] instance_url = {emulator.url!r}")
    print(f"  SALESFORCE_INSTANCE_URL={emulator.url} SALESFORCE_SESSION_ID={emulator.session_id}")
    _wait(emulator.stop)
    return 0


def _wait(stop: Callable[[], None]) -> None:
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        stop()


if __name__ == "__main__":
    raise SystemExit(main())
