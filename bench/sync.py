"""Sync benchmark: 10,000 issues from the loopback GitLab emulator into a fresh cache.

    .venv/bin/python bench/sync.py [--count 10000] [--latency 0] [--runs 3] [--no-notes]
                                   [--rest-notes]
    .venv/bin/python bench/sync.py --rate-limit 2000 --rate-window 6

Reports the raw floor (requests + json, sequential pages of 100) and, in the same
run, the issues phase of a full sync (python-gitlab, mapping, SQLite), the whole
full sync (notes of every issue included, in bulk through GraphQL), and a no-change
incremental sync. Target: the whole first full sync at most 5x its issues phase.
`--rest-notes` also times a full sync whose notes come by REST, one request per
issue (the path before GraphQL, and the fallback; minutes at 10,000 issues).

With --rate-limit, only the whole first sync, under GitLab.com's rule of so many
requests per user and window (2,000 a minute there; --rate-window scales the minute
down, keeping the ratio of requests to limit): its time, how long it waited for the
limit and how many 429s it met, and the same scaled back to one-minute windows.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import requests

from _emulator import gitlab_emulator
from triage_tui.demo_data import PROJECT_PATH
from triage_tui.store import Cache
from triage_tui.sync.engine import pull
from triage_tui.sync.gitlab_source import NOTES_BATCH, GitLabSource

TOKEN = "bench-token"
#: A first full sync, notes of every issue included, takes at most this many times its
#: issues phase (issue "Ready for real orgs").
TARGET = 5.0


def raw_floor(base: str) -> float:
    start = time.perf_counter()
    session = requests.Session()
    url = f"{base}/api/v4/projects/{quote(PROJECT_PATH, safe='')}/issues"
    page: str | None = "1"
    while page:
        response = session.get(
            url,
            params={"per_page": 100, "page": page, "state": "all"},
            headers={"PRIVATE-TOKEN": TOKEN},
            timeout=30,
        )
        response.json()
        page = response.headers.get("X-Next-Page")
    return time.perf_counter() - start


def floor_and_issues_phase(
    url: str, source: GitLabSource, workdir: Path, runs: int
) -> tuple[float, float]:
    """Medians of `runs`, interleaved: the machine's noise hits both alike."""
    floors: list[float] = []
    phases: list[float] = []
    for run in range(runs):
        floors.append(raw_floor(url))
        cache = Cache.open(workdir / f"issues-{run}.db", create=True)
        start = time.perf_counter()
        for page in source.issue_pages():
            cache.store_issues(page)
        phases.append(time.perf_counter() - start)
        cache.close()
    return statistics.median(floors), statistics.median(phases)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--latency", type=float, default=0.0, help="server seconds per request")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--no-notes",
        action="store_true",
        help="only the issues phase",
    )
    parser.add_argument(
        "--rest-notes",
        action="store_true",
        help="also a full sync with notes by REST only (minutes at 10,000 issues)",
    )
    parser.add_argument("--rate-limit", type=int, default=0, help="requests per window")
    parser.add_argument("--rate-window", type=float, default=60.0, help="seconds per window")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp())
    if args.rate_limit:
        rate_limited(args, workdir)
        return
    with gitlab_emulator(args.count, TOKEN, args.latency) as url:
        source = GitLabSource(url, PROJECT_PATH, TOKEN)
        floor, issues_phase = floor_and_issues_phase(url, source, workdir, args.runs)
        if args.no_notes:
            print(
                f"{args.count} issues: floor {floor:.2f} s, issues phase {issues_phase:.2f} s"
                f" = {issues_phase / floor:.2f}x (median of {args.runs})"
            )
            return

        cache = Cache.open(workdir / "full.db", create=True)
        start = time.perf_counter()
        report = pull(source, cache, now=datetime.now(UTC))
        full = time.perf_counter() - start
        assert report.ok, report.error
        assert not source.graphql_problem, source.graphql_problem
        start = time.perf_counter()
        again = pull(source, cache, now=datetime.now(UTC), full=False)
        incremental = time.perf_counter() - start
        assert again.ok, again.error
        by_rest = None
        if args.rest_notes:
            rest = GitLabSource(url, PROJECT_PATH, TOKEN, graphql=False)
            cache = Cache.open(workdir / "full-rest.db", create=True)
            start = time.perf_counter()
            rest_report = pull(rest, cache, now=datetime.now(UTC))
            by_rest = time.perf_counter() - start
            assert rest_report.ok, rest_report.error
    ratio = full / issues_phase
    print(
        f"{args.count} issues, pages of 100, loopback emulator, latency {args.latency}s"
        f" (floor and issues phase: medians of {args.runs}):"
    )
    print(f"  raw floor (requests + json, sequential)  {floor:6.2f} s   1.00x")
    print(
        f"  issues phase of a full sync              {issues_phase:6.2f} s   "
        f"{issues_phase / floor:4.2f}x"
    )
    print(
        f"  whole full sync (+ notes of {report.notes_of} issues, GraphQL, "
        f"{NOTES_BATCH} a request)   {full:6.2f} s   {ratio:4.2f}x the issues phase"
        f" (target <= {TARGET:g}x: {'met' if ratio <= TARGET else 'NOT MET'})"
    )
    if by_rest is not None:
        print(
            f"  whole full sync, notes by REST (one request per issue)   {by_rest:6.2f} s"
            f"   {by_rest / issues_phase:4.2f}x the issues phase"
        )
    print(
        f"  no-change incremental sync               {incremental:6.3f} s"
        f"   ({again.issues} issues in the overlap window)"
    )


def rate_limited(args: argparse.Namespace, workdir: Path) -> None:
    limit, window = args.rate_limit, args.rate_window
    with gitlab_emulator(args.count, TOKEN, args.latency, limit, window) as url:
        source = GitLabSource(url, PROJECT_PATH, TOKEN)
        waits: list[int] = []
        source.rate.on_wait = lambda left, of: waits.append(of) if left == of else None
        cache = Cache.open(workdir / "limited.db", create=True)
        start = time.perf_counter()
        report = pull(source, cache, now=datetime.now(UTC))
        took = time.perf_counter() - start
        assert report.ok, report.error
        issues = cache.issue_count()
    scale = 60.0 / window
    print(
        f"{args.count} issues, first full sync (notes of {report.notes_of} issues), "
        f"limit {limit} requests per {window:g} s window:"
    )
    print(
        f"  {took:6.1f} s, of which waited {source.rate.waited:5.1f} s for the limit "
        f"({source.rate.waits} answers 429, {len(waits)} pauses); {issues} issues cached"
    )
    print(
        f"  scaled to one-minute windows ({limit} a minute): about {took * scale / 60:.1f} min, "
        f"{source.rate.waited * scale / 60:.1f} min of it waiting"
    )


if __name__ == "__main__":
    main()
