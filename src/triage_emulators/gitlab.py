"""A GitLab REST v4 emulator on 127.0.0.1, for tests, benchmarks and manual runs.

It speaks the subset triage-tui uses, faithfully enough for the unmodified
python-gitlab client: PRIVATE-TOKEN / Bearer auth with GitLab's 401 body,
URL-encoded project paths, offset pagination with Link and X-Next-Page headers
(totals omitted above 10,000 items, as GitLab does), keyset pagination of project
issues (GitLab 18.3 and later), the issue filters the sync sends, issue updates and
notes. Every list is sorted afresh for each request, as GitLab's database does: an
issue edited between two pages moves in an `updated_at` order. Faults (latency, 429,
5xx, dropped connections) can be scheduled so tests prove retries and no-loss
behaviour. POST /api/graphql answers the GraphQL subset the sync sends (see
gitlab_graphql).

GitLab's documents it copies are named where each behaviour is built:
doc/api/rest/_index.md ("Pagination", "Keyset-based pagination", "Supported
resources", "Pagination response headers").
"""

from __future__ import annotations

import base64
import json
import math
import re
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

from triage_emulators import gitlab_graphql

JSON = dict[str, Any]
TOTALS_LIMIT = 10_000  # GitLab omits X-Total and X-Total-Pages above this
#: The orders GitLab pages project issues by keyset in (doc/api/rest/_index.md, "Supported
#: resources": created_at, updated_at, title, id, weight, due_date, relative_position; the
#: others fall back to offset pagination, as the merge request that added it says).
KEYSET_ISSUE_ORDERS = (
    "created_at",
    "updated_at",
    "title",
    "id",
    "weight",
    "due_date",
    "relative_position",
)


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@dataclass
class Fault:
    """Answer the next `times` requests matching `method` and `path` (a regex) with
    `status` (or drop the connection when status is 0; 200: answer as ever), after `delay`
    seconds."""

    method: str
    path: str
    status: int
    times: int = 1
    retry_after: int | None = None
    delay: float = 0.0


#: What a random fault does (see RandomFaults).
FAULT_KINDS = ("delay", "drop", "500", "502", "503", "429")


@dataclass
class RandomFaults:
    """Faults on a random `share` of requests (seeded, so a failing run can be replayed):
    each faulted request gets one of `kinds`: "delay" (answers after `delay` seconds: past
    the client's timeout, a timeout), "drop" (the connection closed unanswered), a 5xx
    status, or "429" (with Retry-After 0). `taken` records (kind, method, path)."""

    share: float
    seed: int = 0
    kinds: tuple[str, ...] = FAULT_KINDS
    delay: float = 1.5
    paths: str = ""
    """Only requests whose path matches this regex ("": every request)."""
    taken: list[tuple[str, str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        import random

        self._rng = random.Random(self.seed)

    def draw(self, method: str, path: str) -> Fault | None:
        if self.paths and not re.search(self.paths, path):
            return None
        if self._rng.random() >= self.share:
            return None
        kind = self._rng.choice(self.kinds)
        self.taken.append((kind, method, path))
        if kind == "delay":
            return Fault(method, path, 200, delay=self.delay)
        if kind == "drop":
            return Fault(method, path, 0)
        return Fault(method, path, int(kind), retry_after=0 if kind == "429" else None)


class _Loopback(ABC):
    """An HTTP server on 127.0.0.1, an ephemeral port, in a thread of its own."""

    server: ThreadingHTTPServer | None = None

    def _serve(self, handler: type[BaseHTTPRequestHandler]) -> Self:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    @abstractmethod
    def start(self) -> Self:
        """Serve (each server builds its own handler class, bound to itself)."""

    def stop(self) -> None:
        if self.server:
            self.server.shutdown()
            self.server.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"


class HeaderRecorder(_Loopback):
    """A second listener on 127.0.0.1 (another host, as far as a client can tell: another
    port is another origin) that records every request's headers and answers `[]`: where a
    hostile or misconfigured GitLab points a next-page link or a redirect."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, dict[str, str]]] = []
        self.server: ThreadingHTTPServer | None = None

    def start(self) -> Self:
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_GET(self) -> None:
                recorder.seen.append((self.path, dict(self.headers.items())))
                data = b"[]"
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_POST = do_GET

        return self._serve(Handler)

    def tokens_seen(self, token: str) -> list[str]:
        """The paths of the requests that carried `token` in any header."""
        return [path for path, headers in self.seen if any(token in v for v in headers.values())]


@dataclass
class Hostile:
    """What a hostile, misconfigured or broken GitLab sends."""

    next_link_base: str | None = None
    """Next-page links of project issues point at this base URL (another host) instead of
    the emulator."""
    redirects: dict[str, str] = field(default_factory=dict)
    """path regex -> base URL: a GET matching it is answered 302 to the same path and
    query on that base (another host)."""
    malformed: str = ""
    """A path regex: its GETs are answered 200 with a body that is not JSON."""
    padding: int = 0
    """Bytes of filler added to every issue of a list (a huge page)."""
    echo_headers: str = ""
    """A path regex: its GETs are answered 403 with a message that quotes the request's
    token, as a debugging proxy or WAF in front of GitLab may."""
    chunked: bool = False
    """Answers come with `Transfer-Encoding: chunked` and no Content-Length, as GitLab's
    nginx sends a gzipped or streamed answer (HTTP/1.1, RFC 9112 section 7.1): nothing in
    the headers says how large the body will be."""


@dataclass
class Project:
    id: int = 42
    path: str = "customer-success/account-triage"
    issues: dict[int, JSON] = field(default_factory=dict)
    notes: dict[int, list[JSON]] = field(default_factory=dict)
    labels: list[JSON] = field(default_factory=list)
    milestones: list[JSON] = field(default_factory=list)
    members: list[JSON] = field(default_factory=list)


class GitLabEmulator(_Loopback):
    """Start with `with GitLabEmulator.from_demo(today) as emu:`; `emu.url`, `emu.token`."""

    def __init__(self, project: Project | None = None, token: str = "test-token") -> None:
        self.project = project or Project()
        self.tokens: dict[str, JSON] = {}
        self.lock = threading.Lock()
        self.faults: list[Fault] = []
        self.random_faults: RandomFaults | None = None
        """Faults on a random share of requests, after the scheduled `faults`."""
        self.hostile = Hostile()
        """What a hostile or broken GitLab sends (off by default)."""
        self.latency = 0.0
        self.requests: list[tuple[str, str]] = []
        self.clock: Callable[[], datetime] = lambda: datetime.now(UTC)
        self._next_note = 9_000_000
        self.add_user(token, username="root", name="Emulator Admin")
        self.token = token
        self.label_events: dict[int, list[JSON]] = {}
        """iid -> the issue's resource label events, oldest first."""
        self._next_label_event = 700_000
        self.writes: list[tuple[str, int, JSON]] = []
        """Every issue write received (method, iid, body): what the app sent."""
        self.multiple_assignees = True
        """False emulates an instance that keeps one assignee per issue (GitLab Free)."""
        self.graphql = True
        """False: /api/graphql answers 404 (an instance or proxy that does not offer it)."""
        self.graphql_max_complexity = gitlab_graphql.AUTHENTICATED_COMPLEXITY
        """The complexity limit for signed-in users (GitLab's is 250)."""
        self.graphql_requests: list[JSON] = []
        """Every GraphQL request body received (query, variables), in order."""
        self.keyset_issues = True
        """Project issues page by keyset when asked (GitLab 18.3 and later); False emulates
        an older instance, which ignores `pagination=keyset` and pages by offset."""
        self.on_issues_page: Callable[[int, list[JSON]], None] | None = None
        """Called with (pages served so far, the page) after each page of a project's issue
        list is cut and before it is sent: a test edits or deletes issues there, as people
        do in the web UI while a sync pages through."""
        self.issue_pages_served = 0
        self.version = "18.6.0-ee"
        """What GET /version says (18.3 and later page project issues by keyset)."""
        self.search_index_tag_text = True
        """Words inside HTML tags and comments are searchable, as GitLab's search index
        makes them (PgFullTextSearchable replaces each tag by its text before PostgreSQL
        reads it). False emulates PostgreSQL's parser reading the text as written, as a
        GitLab without that step does: a whole `<!-- ... -->` is one tag token, and the
        english configuration indexes no tag."""
        self.search_rate_limit = 30
        """Issue lists with `search`, per user and window: GitLab checks its search rate
        limit there (lib/api/issues.rb: validate_search_rate_limit!; 30 a minute for an
        authenticated user by default). 0: none."""
        self.rate_limit = 0
        """Authenticated API requests per user and window, as GitLab.com applies them
        (2,000 a minute there); 0: no limit (a self-managed default)."""
        self.rate_window = 60.0
        """Seconds in a rate-limit window (GitLab's are a minute); tests scale it down."""
        self.throttled = 0
        """Requests answered 429 for the rate limit."""
        self._api_counts: dict[tuple[str, int], int] = {}
        self._search_counts: dict[tuple[str, int], int] = {}
        self.server: ThreadingHTTPServer | None = None

    @classmethod
    def from_demo(cls, today: date, count: int = 300, token: str = "test-token") -> GitLabEmulator:
        from triage_tui.demo_data import PROJECT_PATH, generate

        demo = generate(today, count=count)
        project = Project(
            path=PROJECT_PATH,
            issues={i["iid"]: i for i in demo.issues},
            notes=demo.notes,
            labels=demo.labels,
            milestones=demo.milestones,
            members=demo.members,
        )
        emulator = cls(project, token=token)
        # How each demo issue's labels came to be (opened with some, moved between
        # colours since), as GitLab recorded them: label events.
        for step in demo.steps:
            issue = project.issues[step.iid]
            emulator._record_label_events(
                issue, set(step.before), list(step.after), step.user, at=_stamp(step.at)
            )
        return emulator

    def add_user(
        self,
        token: str,
        username: str,
        name: str = "",
        access: str = "write",
        access_level: int | None = 40,
    ) -> None:
        """A user with `token`. `access="read"`: a token with only the read_api scope, which
        gets GitLab's 403 insufficient_scope on every write. `access_level`: the user's role
        in the project (10 Guest, 15 Planner, 20 Reporter, 30 Developer, 40 Maintainer,
        50 Owner; None: not a member)."""
        self.tokens[token] = {
            "id": 1 + len(self.tokens),
            "username": username,
            "name": name or username,
            "state": "active",
            "access": access,
            "access_level": access_level,
        }

    # -- lifecycle --------------------------------------------------------------------------

    def start(self) -> Self:
        emulator: GitLabEmulator = self

        class Handler(_Handler):
            emu = emulator

        return self._serve(Handler)

    # -- what the app changed -----------------------------------------------------------------

    def issue(self, iid: int) -> JSON:
        with self.lock:
            return dict(json.loads(json.dumps(self.project.issues[iid])))

    def touch(self, iid: int, **changes: Any) -> JSON:
        """Change an issue as a person in the web UI would (bumps updated_at)."""
        with self.lock:
            issue = self.project.issues[iid]
            issue.update(changes)
            issue["updated_at"] = _stamp(self.clock())
            return dict(issue)

    def add_note(self, iid: int, body: str, username: str = "root", system: bool = False) -> JSON:
        with self.lock:
            self._next_note += 1
            now = _stamp(self.clock())
            note = {
                "id": self._next_note,
                "body": body,
                "system": system,
                "created_at": now,
                "updated_at": now,
                "noteable_iid": iid,
                "noteable_type": "Issue",
                "author": {"username": username, "name": username, "id": 1},
            }
            self.project.notes.setdefault(iid, []).append(note)
            self.project.issues[iid]["updated_at"] = now
            return note

    def _labels_of(self, value: Any) -> list[str]:
        names = value.split(",") if isinstance(value, str) else list(value or [])
        return [n.strip() for n in names if n and n.strip()]

    def _milestone(self, milestone_id: Any) -> JSON | None:
        wanted = int(milestone_id or 0)
        return next((m for m in self.project.milestones if m["id"] == wanted), None)

    def _assignees(self, ids: Any) -> list[JSON]:
        wanted = [int(i) for i in (ids if isinstance(ids, list) else [ids]) if int(i or 0)]
        people = [m for m in self.project.members if m["id"] in wanted]
        # An instance without multiple assignees (GitLab Free) keeps only the first.
        return people[:1] if not self.multiple_assignees else people

    def _set_labels(self, issue: JSON, labels: list[str], user: JSON) -> None:
        """Give the issue `labels`. A name the project has no label for is created, as
        GitLab's Labels::FindOrCreateService does for a user who may manage labels (Planner
        and above: doc/user/permissions.md); for anyone else GitLab drops the name."""
        known = {label["name"] for label in self.project.labels}
        may_create = (user.get("access_level") or 0) >= 15 or user.get("username") == "root"
        for name in labels:
            if name not in known and may_create:
                self.project.labels.append(
                    {
                        "id": max((x["id"] for x in self.project.labels), default=0) + 1,
                        "name": name,
                        "color": "#6699cc",  # GitLab's Label::DEFAULT_COLOR
                        "description": None,
                        "text_color": "#FFFFFF",
                    }
                )
                known.add(name)
        labels = [name for name in labels if name in known]
        before = set(issue["labels"])
        issue["labels"] = labels
        self._record_label_events(issue, before, labels, user)

    def _record_label_events(
        self, issue: JSON, before: set[str], labels: list[str], user: JSON, at: str = ""
    ) -> None:
        """Resource label events for a change of labels, as GitLab records them
        (doc/api/resource_label_events.md): one per label removed or added, all at the
        same moment, each with the user, the issue (resource_id is its global id) and the
        label as it is now. Ids count across the instance, not per issue."""
        now = at or _stamp(self.clock())
        events = self.label_events.setdefault(issue["iid"], [])
        by_name = {label["name"]: label for label in self.project.labels}
        person = {
            "id": user.get("id", 1),
            "username": user.get("username"),
            "name": user.get("name") or user.get("username"),
            "state": "active",
            "avatar_url": None,
        }
        for name, action in [(n, "remove") for n in sorted(before - set(labels))] + [
            (n, "add") for n in labels if n not in before
        ]:
            label = by_name.get(name, {"id": 0, "name": name})
            self._next_label_event += 1
            events.append(
                {
                    "id": self._next_label_event,
                    "user": dict(person),
                    "created_at": now,
                    "resource_type": "Issue",
                    "resource_id": issue["id"],
                    "label": {
                        "id": label.get("id"),
                        "name": label["name"],
                        "color": label.get("color", "#6699cc"),
                        "description": label.get("description"),
                    },
                    "action": action,
                }
            )

    def relabel(self, iid: int, labels: list[str], username: str = "root") -> JSON:
        """Change an issue's labels as a person in the web UI would: label events by
        `username`, updated_at bumped. Labels the project lacks are created."""
        with self.lock:
            issue = self.project.issues[iid]
            user = {"username": username, "name": username, "access_level": 40}
            member = next((m for m in self.project.members if m["username"] == username), None)
            if member is not None:
                user["id"] = member["id"]
            self._set_labels(issue, list(labels), user)
            issue["updated_at"] = _stamp(self.clock())
            return dict(issue)

    def delete_label(self, name: str) -> None:
        """Delete a project label as GitLab does: gone from every issue, and its resource
        label events keep their place with `"label": null` (the foreign key is nullified),
        without a new event or a new updated_at."""
        with self.lock:
            self.project.labels = [x for x in self.project.labels if x["name"] != name]
            for issue in self.project.issues.values():
                if name in issue["labels"]:
                    issue["labels"] = [n for n in issue["labels"] if n != name]
            for events in self.label_events.values():
                for event in events:
                    if event["label"] is not None and event["label"]["name"] == name:
                        event["label"] = None

    def update_issue(self, iid: int, body: JSON, user: JSON | None = None) -> JSON:
        """Apply an issue PUT as GitLab does (labels replace; add/remove_labels adjust)."""
        user = user or {"username": "root"}
        with self.lock:
            issue = self.project.issues[iid]
            labels = list(issue["labels"])
            if "labels" in body:
                labels = self._labels_of(body["labels"])
            removed = {n.lower() for n in self._labels_of(body.get("remove_labels"))}
            labels = [n for n in labels if n.lower() not in removed]
            for name in self._labels_of(body.get("add_labels")):
                if name.lower() not in {n.lower() for n in labels}:
                    labels.append(name)
            if labels != issue["labels"]:
                self._set_labels(issue, labels, user)
            now = _stamp(self.clock())
            event = body.get("state_event")
            if event == "close" and issue["state"] != "closed":
                issue["state"], issue["closed_at"] = "closed", now
            elif event == "reopen" and issue["state"] == "closed":
                issue["state"], issue["closed_at"] = "opened", None
            if "assignee_ids" in body:
                issue["assignees"] = self._assignees(body["assignee_ids"])
                issue["assignee"] = issue["assignees"][0] if issue["assignees"] else None
            if "milestone_id" in body:
                issue["milestone"] = self._milestone(body["milestone_id"])
            if "due_date" in body:
                issue["due_date"] = body["due_date"] or None
            for key in ("description", "title"):
                if key in body:
                    issue[key] = body[key]
            issue["updated_at"] = now
            self.writes.append(("PUT", iid, dict(body)))
            return dict(json.loads(json.dumps(issue)))

    def create_issue(self, body: JSON, user: JSON | None = None) -> JSON:
        user = user or {"username": "root"}
        with self.lock:
            iid = max(self.project.issues, default=0) + 1
            now = _stamp(self.clock())
            issue: JSON = {
                "id": 10_000 + iid,
                "iid": iid,
                "project_id": self.project.id,
                "title": body.get("title", ""),
                "description": body.get("description", ""),
                "state": "opened",
                "created_at": now,
                "updated_at": now,
                "closed_at": None,
                "labels": [],
                "milestone": self._milestone(body.get("milestone_id")),
                "assignees": self._assignees(body.get("assignee_ids") or []),
                "assignee": None,
                "author": {
                    "id": user.get("id"),
                    "username": user.get("username"),
                    "name": user.get("name") or user.get("username"),
                },
                "due_date": body.get("due_date") or None,
                "web_url": f"{self.url}/{self.project.path}/-/issues/{iid}",
                "user_notes_count": 0,
            }
            self._set_labels(issue, self._labels_of(body.get("labels")), user)
            self.project.issues[iid] = issue
            self.writes.append(("POST", iid, dict(body)))
            return dict(json.loads(json.dumps(issue)))

    def add_milestone(self, body: JSON) -> JSON:
        with self.lock:
            milestone = {
                "id": max((m["id"] for m in self.project.milestones), default=500) + 1,
                "iid": len(self.project.milestones) + 1,
                "title": body.get("title", ""),
                "state": "active",
                "start_date": body.get("start_date"),
                "due_date": body.get("due_date"),
            }
            self.project.milestones.append(milestone)
            return dict(milestone)

    def delete_issue(self, iid: int) -> None:
        with self.lock:
            del self.project.issues[iid]

    def take_fault(self, method: str, path: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.method == method and re.search(fault.path, path) and fault.times > 0:
                    fault.times -= 1
                    return fault
            if self.random_faults is not None:
                return self.random_faults.draw(method, path)
        return None


#: PostgreSQL's english stop words (its snowball list, the common ones): not indexed, and
#: dropped from a query.
_STOP_TEXT = (
    "a about above after again against all am an and any are as at be because been before "
    "being below between both but by can did do does doing down during each few for from "
    "further had has have having he her here hers herself him himself his how i if in into "
    "is it its itself just me more most my myself no nor not now of off on once only or "
    "other our ours ourselves out over own same she should so some such than that the their "
    "theirs them themselves then there these they this those through to too under until up "
    "very was we were what when where which while who whom why will with you your yours "
    "yourself yourselves"
)
_STOP_WORDS = frozenset(_STOP_TEXT.split())
_TAG = re.compile(r"<!--.*?-->|</?[A-Za-z!][^>]*>", re.S)
_TAG_TEXT = re.compile(r"</?([^>]+)>")  # PgFullTextSearchable::XML_TAG_REGEX


def _words(text: str) -> list[str]:
    return [w for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in _STOP_WORDS]


def _search_matches(query: str, text: str, *, index_tag_text: bool) -> bool:
    """GitLab's issue search, as PgFullTextSearchable builds it: the title and description
    become a list of words (not a string to find substrings in), the query is split at
    spaces into terms (a "quoted phrase" is one term), and every term must match: its
    words in a row, the last one as a prefix. A term with no words (`<!--`) is dropped.
    (PostgreSQL also stems English words; the emulator does not, which only matters for
    queries that are not whole words.)"""
    text = _TAG_TEXT.sub(r" \1 ", text) if index_tag_text else _TAG.sub(" ", text)
    indexed = _words(text)
    terms = re.findall(r'"([^"]*)"|(\S+)', query)
    wanted = [w for w in (_words(a or b) for a, b in terms) if w]
    if not wanted:
        return False

    def found(term: list[str]) -> bool:
        size = len(term)
        for start in range(len(indexed) - size + 1):
            window = indexed[start : start + size]
            if window[:-1] == term[:-1] and window[-1].startswith(term[-1]):
                return True
        return False

    return all(found(term) for term in wanted)


#: What the emulator keeps about a token's user that GitLab's /user does not show.
_PRIVATE_USER_KEYS = ("access", "access_level")


def _order_key(issue: JSON, key: str) -> tuple[str, int]:
    """An issue's place in an `order_by=key` list: the key's value, then its id. (Text for
    every key: GitLab's timestamps are ISO 8601 in UTC, which sort as text.)"""
    value = issue.get(key)
    return (f"{value:020d}" if isinstance(value, int) else str(value or ""), int(issue["id"]))


class _CutOff(Exception):
    """A request whose body never arrived whole."""


class _Handler(BaseHTTPRequestHandler):
    emu: GitLabEmulator
    rate_headers: dict[str, str]
    """The rate-limit headers every answer to the current request carries."""
    protocol_version = "HTTP/1.1"  # keep-alive, as GitLab: requests reuses connections
    # TCP_NODELAY, as nginx in front of GitLab sets it (`tcp_nodelay on`, its default):
    # http.server writes the headers and the body separately, and on a kept-alive
    # connection Nagle's algorithm held the body back until the client's delayed ACK,
    # some 40 ms a request on loopback (measured: a 4-request push took 0.16 s).
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args: Any) -> None:
        return  # quiet: tests read emu.requests instead

    def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        kind = "text/plain" if isinstance(body, bytes) else "application/json"
        headers = {"Content-Type": kind, **(headers or {})}
        chunked = self.emu.hostile.chunked
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(len(data)))
        for key, value in {**getattr(self, "rate_headers", {}), **headers}.items():
            self.send_header(key, value)
        self.end_headers()
        try:
            if chunked:
                for start in range(0, len(data), 65536):
                    piece = data[start : start + 65536]
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                self.wfile.write(b"0\r\n\r\n")
            else:
                self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (a timeout)
            self.close_connection = True

    def _user(self) -> JSON | None:
        token = self.headers.get("PRIVATE-TOKEN") or ""
        auth = self.headers.get("Authorization") or ""
        if auth.startswith("Bearer "):
            token = auth[7:]
        return self.emu.tokens.get(token)

    def _user_field(self, key: str) -> Any:
        return (self._user() or {}).get(key)

    def _body(self) -> JSON:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if len(raw) < length:
            # The client died mid-request (a SIGKILLed sync): a web server never hands a
            # request with half its body to the application (puma reads it whole first),
            # so GitLab acts on nothing. Failed before: a note was posted with the body
            # cut off (empty), which GitLab would never do.
            raise _CutOff
        if not raw:
            return {}
        if "json" in (self.headers.get("Content-Type") or ""):
            return dict(json.loads(raw))
        return {k: v[-1] for k, v in parse_qs(raw.decode()).items()}

    def _throttled(self) -> bool:
        """GitLab's authenticated API rate limit (Rack::Attack's throttle_authenticated_api:
        a count per user in fixed windows of `rate_window` seconds). Every answer then
        carries the headers GitLab documents for all requests (doc/administration/settings/
        user_and_ip_rate_limits.md, "Response headers": RateLimit-Limit, -Name, -Observed,
        -Remaining, -Reset as Unix time); a request over the limit gets 429 with
        RateLimit-ResetTime and Retry-After (seconds until the window resets) and the
        plain-text body `Retry later`."""
        self.rate_headers = {}
        limit = self.emu.rate_limit
        user = self._user()
        if not limit or user is None:
            return False
        now = time.time()
        period = self.emu.rate_window
        window = int(now // period)
        key = (str(user["username"]), window)
        with self.emu.lock:
            observed = self.emu._api_counts.get(key, 0) + 1
            self.emu._api_counts[key] = observed
        reset = (window + 1) * period
        self.rate_headers = {
            "RateLimit-Name": "throttle_authenticated_api",
            "RateLimit-Limit": str(limit),
            "RateLimit-Observed": str(observed),
            "RateLimit-Remaining": str(max(0, limit - observed)),
            "RateLimit-Reset": str(math.ceil(reset)),
        }
        if observed <= limit:
            return False
        with self.emu.lock:
            self.emu.throttled += 1
        self._send(
            429,
            b"Retry later\n",
            {
                "RateLimit-ResetTime": formatdate(reset, usegmt=True),
                "Retry-After": str(max(1, math.ceil(reset - now))),
            },
        )
        return True

    def _handle(self, method: str) -> None:
        self.rate_headers = {}
        parts = urlsplit(self.path)
        self.query_lists = parse_qs(parts.query)
        query = {k: v[-1] for k, v in self.query_lists.items()}
        # Read the body before any early answer: bytes left unread on a keep-alive
        # connection would be parsed as the next request.
        try:
            body = self._body() if method in ("POST", "PUT") else {}
        except _CutOff:
            self.close_connection = True
            return
        self.emu.requests.append((method, parts.path))
        if self.emu.latency:
            time.sleep(self.emu.latency)
        fault = self.emu.take_fault(method, parts.path)
        if fault:
            time.sleep(fault.delay)
        if fault and fault.status != 200:  # (200: only late, then answered as ever)
            if fault.status == 0:
                self.close_connection = True
                self.connection.shutdown(2)
                return
            headers = (
                {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
            )
            self._send(fault.status, {"message": f"{fault.status} emulated"}, headers)
            return
        if self._throttled():
            return
        if method == "GET" and self._hostile(parts.path, parts.query):
            return
        if parts.path == gitlab_graphql.PATH and method == "POST" and self.emu.graphql:
            self._graphql(body)
            return
        if self._user() is None:
            self._send(401, {"message": "401 Unauthorized"})
            return
        if method != "GET" and self._user_field("access") == "read":
            # A read_api token writing (doc/api/rest/troubleshooting.md: 403 Forbidden).
            self._send(
                403,
                {
                    "error": "insufficient_scope",
                    "error_description": "The request requires higher privileges than "
                    "provided by the access token.",
                    "scope": "api",
                },
            )
            return
        try:
            self._route(method, parts.path, query, body)
        except KeyError:
            self._send(404, {"message": "404 Not found"})

    def _hostile(self, path: str, query: str) -> bool:
        """A redirect to another host, or a body that is not JSON, where the test asked."""
        for pattern, base in self.emu.hostile.redirects.items():
            if re.search(pattern, path):
                target = f"{base}{path}{'?' + query if query else ''}"
                self.send_response(302)
                self.send_header("Location", target)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return True
        if self.emu.hostile.malformed and re.search(self.emu.hostile.malformed, path):
            self._send(200, b'[{"iid": 1, "title": "cut off', {"Content-Type": "application/json"})
            return True
        if self.emu.hostile.echo_headers and re.search(self.emu.hostile.echo_headers, path):
            token = self.headers.get("PRIVATE-TOKEN") or self.headers.get("Authorization")
            self._send(403, {"message": f"403 Forbidden: token {token} is not allowed here"})
            return True
        return False

    do_GET = lambda self: self._handle("GET")  # noqa: E731
    do_PUT = lambda self: self._handle("PUT")  # noqa: E731
    do_POST = lambda self: self._handle("POST")  # noqa: E731
    do_DELETE = lambda self: self._handle("DELETE")  # noqa: E731

    def _route_user(self, path: str) -> bool:
        """GET /user and GET /personal_access_tokens/self (its scopes)."""
        user = self._user() or {}
        if path == "/api/v4/user":
            self._send(200, {k: v for k, v in user.items() if k not in _PRIVATE_USER_KEYS})
            return True
        if path == "/api/v4/version":
            self._send(200, {"version": self.emu.version, "revision": "emulated"})
            return True
        if path == "/api/v4/personal_access_tokens/self":
            scopes = ["read_api"] if user.get("access") == "read" else ["api"]
            token = {"id": 7, "name": "triage", "active": True, "revoked": False}
            token |= {"scopes": scopes, "user_id": user.get("id"), "expires_at": None}
            self._send(200, token)
            return True
        return False

    def _route_membership(self, rest: str) -> bool:
        """GET /projects/:id (with the user's `permissions`) and /members/all/:user_id."""
        project = self.emu.project
        user = self._user() or {}
        if rest == "":
            level = user.get("access_level")
            access = {"access_level": level, "notification_level": 3} if level else None
            about = {"id": project.id, "path_with_namespace": project.path}
            about |= {"name": project.path.rsplit("/", 1)[-1]}
            about |= {"web_url": f"{self.emu.url}/{project.path}"}
            about |= {"permissions": {"project_access": access, "group_access": None}}
            self._send(200, about)
            return True
        m = re.fullmatch(r"/members/all/(\d+)", rest)
        if not m:
            return False
        wanted = int(m.group(1))
        member = next((u for u in self.emu.tokens.values() if u["id"] == wanted), None)
        member = member or next((u for u in project.members if u["id"] == wanted), None)
        level = member.get("access_level", 30) if member else None
        if member is None or level is None:
            self._send(404, {"message": "404 Not found"})
            return True
        found = {"id": member["id"], "username": member["username"], "state": "active"}
        self._send(200, found | {"name": member.get("name"), "access_level": level})
        return True

    def _post_note(self, iid: int, body: JSON) -> None:
        if iid not in self.emu.project.issues:
            raise KeyError(iid)
        user = self._user() or {}
        if not str(body.get("body") or "").strip():
            # lib/api/notes.rb: `requires :body`; an empty one is "can't be blank".
            self._send(400, {"message": "400 Bad request - body is missing"})
            return
        self._send(201, self.emu.add_note(iid, str(body.get("body", "")), user["username"]))

    def _route(self, method: str, path: str, query: JSON, body: JSON) -> None:
        if self._route_user(path):
            return
        match = re.fullmatch(r"/api/v4/projects/([^/]+)(/.*)?", path)
        project = self.emu.project
        # An id, or the URL-encoded path; GitLab's paths are case-insensitive (a project is
        # found as Customer-Success/Account-Triage too: routes are looked up ignoring case).
        wanted = unquote(match.group(1)).casefold() if match else ""
        if not match or wanted not in (project.path.casefold(), str(project.id)):
            self._send(404, {"message": "404 Project Not Found"})
            return
        rest = match.group(2) or ""
        if method == "GET" and self._route_membership(rest):
            return
        if rest == "" and method == "GET":
            self._send(200, {"id": project.id, "path_with_namespace": project.path})
        elif rest == "/issues" and method == "GET":
            self._list_issues(query)
        elif (m := re.fullmatch(r"/issues/(\d+)", rest)) and method == "GET":
            with self.emu.lock:
                issue = project.issues.get(int(m.group(1)))
            self._send(200, issue) if issue else self._send(404, {"message": "404 Issue Not Found"})
        elif rest == "/issues" and method == "POST":
            self._create_issue(body)
        elif (m := re.fullmatch(r"/issues/(\d+)", rest)) and method == "PUT":
            self._update_issue(int(m.group(1)), body)
        elif (m := re.fullmatch(r"/issues/(\d+)/resource_label_events(?:/(\d+))?", rest)) and (
            method == "GET"
        ):
            self._label_events(int(m.group(1)), m.group(2), query)
        elif (m := re.fullmatch(r"/issues/(\d+)/notes", rest)) and method == "GET":
            with self.emu.lock:
                notes = list(project.notes.get(int(m.group(1)), []))
            notes.sort(key=lambda n: (n["created_at"], n["id"]), reverse=query.get("sort") != "asc")
            self._list(notes, query)
        elif (m := re.fullmatch(r"/issues/(\d+)/notes", rest)) and method == "POST":
            self._post_note(int(m.group(1)), body)
        elif rest == "/labels":
            self._list(project.labels, query)
        elif rest == "/milestones" and method == "GET":
            milestones = project.milestones
            if title := query.get("title"):
                milestones = [m for m in milestones if m["title"] == title]
            if (state := query.get("state", "all")) != "all":
                milestones = [m for m in milestones if m.get("state") == state]
            self._list(milestones, query)
        elif rest == "/milestones" and method == "POST":
            self._send(201, self.emu.add_milestone(body))
        elif rest in ("/members/all", "/members"):
            self._list(project.members, query)
        else:
            self._send(404, {"message": "404 Not Found"})

    def _label_events(self, iid: int, event_id: str | None, query: JSON) -> None:
        """GET /projects/:id/issues/:issue_iid/resource_label_events[/:id] (doc/api/
        resource_label_events.md): an issue's label events, oldest first, paginated as
        every list (per_page at most 100, X-Next-Page, Link); one event by its id. An issue
        the project lacks is "404 Issue Not Found" (lib/api/helpers/notes_helpers.rb,
        find_noteable); an event id not among the issue's is "404 Not found"."""
        with self.emu.lock:
            known = iid in self.emu.project.issues
            events = [json.loads(json.dumps(e)) for e in self.emu.label_events.get(iid, [])]
        if not known:
            self._send(404, {"message": "404 Issue Not Found"})
            return
        events.sort(key=lambda e: (e["created_at"], e["id"]))
        for event in events:  # (the server's own address: events may predate its start)
            event["user"]["web_url"] = f"{self.emu.url}/{event['user']['username']}"
        if event_id is None:
            self._list(events, query)
            return
        found = next((e for e in events if e["id"] == int(event_id)), None)
        if found is None:
            self._send(404, {"message": "404 Not found"})
            return
        self._send(200, found)

    def _graphql(self, body: JSON) -> None:
        """POST /api/graphql (see gitlab_graphql): its own answers to a missing or bad token."""
        given = bool(self.headers.get("PRIVATE-TOKEN") or self.headers.get("Authorization"))
        with self.emu.lock:
            self.emu.graphql_requests.append(body)
        self._send(*gitlab_graphql.answer(self.emu, given, self._user(), body))

    def _create_issue(self, body: JSON) -> None:
        if not str(body.get("title") or "").strip():
            self._send(400, {"message": {"title": ["can't be blank"]}})
            return
        self._send(201, self.emu.create_issue(body, self._user() or {}))

    def _update_issue(self, iid: int, body: JSON) -> None:
        if iid not in self.emu.project.issues:
            self._send(404, {"message": "404 Issue Not Found"})
            return
        due = body.get("due_date")
        if due:
            try:
                date.fromisoformat(str(due))
            except ValueError:
                self._send(400, {"message": {"due_date": ["is invalid"]}})
                return
        self._send(200, self.emu.update_issue(iid, body, self._user() or {}))

    def _issues(self, query: JSON) -> list[JSON]:
        with self.emu.lock:
            issues = list(self.emu.project.issues.values())
        if (state := query.get("state", "all")) != "all":
            issues = [i for i in issues if i["state"] == state]
        if author_id := query.get("author_id"):
            issues = [i for i in issues if str((i.get("author") or {}).get("id")) == author_id]
        if author := query.get("author_username"):
            issues = [i for i in issues if (i.get("author") or {}).get("username") == author]
        if wanted_iids := self.query_lists.get("iids[]"):
            iids = {int(i) for i in wanted_iids}
            issues = [i for i in issues if i["iid"] in iids]
        # "on or after" / "on or before" the given time (doc/api/issues.md, List issues).
        for name, field_name, later in (
            ("updated_after", "updated_at", True),
            ("updated_before", "updated_at", False),
            ("created_after", "created_at", True),
            ("created_before", "created_at", False),
        ):
            if bound := query.get(name):
                limit = _parse_time(bound)
                issues = [
                    i
                    for i in issues
                    if (
                        _parse_time(i[field_name]) >= limit
                        if later
                        else _parse_time(i[field_name]) <= limit
                    )
                ]
        if search := query.get("search"):
            fields = [f.strip() for f in query.get("in", "title,description").split(",")]
            issues = [
                i
                for i in issues
                if _search_matches(
                    search,
                    " ".join(str(i.get(f) or "") for f in fields if f in ("title", "description")),
                    index_tag_text=self.emu.search_index_tag_text,
                )
            ]
        if labels := query.get("labels"):
            wanted = set(labels.split(","))
            issues = [i for i in issues if wanted <= set(i["labels"])]
        key = query.get("order_by", "created_at")
        # GitLab breaks ties by id (Gitlab::Pagination::Keyset adds the primary key).
        issues.sort(key=lambda i: _order_key(i, key), reverse=query.get("sort") != "asc")
        return issues

    def _list_issues(self, query: JSON) -> None:
        """A page of the project's issues: by keyset when asked for and offered (doc/api/rest/
        _index.md, "Keyset-based pagination": the next page is the Link header's rel="next",
        with a `cursor`; no other pagination headers; no Link on the last page), else by
        offset. The list is sorted afresh for each page, as GitLab's query is."""
        if query.get("search") and self._search_throttled():
            return
        issues = self._issues(query)
        key = query.get("order_by", "created_at")
        keyset = (
            query.get("pagination") == "keyset"
            and self.emu.keyset_issues
            and key in KEYSET_ISSUE_ORDERS
        )
        if not keyset:
            self._list(issues, query, on_page=self._served)
            return
        per_page = max(1, min(100, int(query.get("per_page", 20))))
        descending = query.get("sort") != "asc"
        if cursor := query.get("cursor"):
            try:
                after = json.loads(base64.urlsafe_b64decode(cursor.encode()))
                mark = (str(after[key] or ""), int(after["id"]))
            except (ValueError, KeyError, TypeError):
                self._send(400, {"message": "400 Bad request - cursor is invalid"})
                return
            issues = [
                i
                for i in issues
                if (_order_key(i, key) < mark if descending else _order_key(i, key) > mark)
            ]
        chunk = issues[:per_page]
        self._served(chunk)
        headers: dict[str, str] = {}
        if len(issues) > per_page:
            last = chunk[-1]
            token = json.dumps({key: _order_key(last, key)[0], "id": last["id"]})
            cursor = base64.urlsafe_b64encode(token.encode()).decode()
            host = self.emu.hostile.next_link_base or f"http://{self.headers.get('Host')}"
            base = f"{host}{urlsplit(self.path).path}"
            rest = {k: v for k, v in query.items() if k != "cursor"}
            headers["Link"] = f'<{base}?{urlencode({**rest, "cursor": cursor})}>; rel="next"'
        self._send(200, self._padded(chunk), headers)

    def _padded(self, chunk: list[JSON]) -> list[JSON]:
        if not self.emu.hostile.padding:
            return chunk
        return [{**issue, "filler": "x" * self.emu.hostile.padding} for issue in chunk]

    def _search_throttled(self) -> bool:
        """GitLab's search rate limit (an application limit: doc/administration/settings/
        user_and_ip_rate_limits.md says those send no RateLimit headers): a 429 once the
        user has searched `search_rate_limit` times in the window."""
        limit = self.emu.search_rate_limit
        if not limit:
            return False
        now = time.time()
        window = int(now // self.emu.rate_window)
        key = (str(self._user_field("username")), window)
        with self.emu.lock:
            self.emu._search_counts[key] = self.emu._search_counts.get(key, 0) + 1
            count = self.emu._search_counts[key]
        if count <= limit:
            return False
        wait = max(1, math.ceil((window + 1) * self.emu.rate_window - now))
        error = "This endpoint has been requested too many times. Try again later."
        self._send(429, {"message": {"error": error}}, {"Retry-After": str(wait)})
        return True

    def _served(self, chunk: list[JSON]) -> None:
        with self.emu.lock:
            self.emu.issue_pages_served += 1
            served = self.emu.issue_pages_served
        if self.emu.on_issues_page is not None:
            self.emu.on_issues_page(served, chunk)

    def _list(
        self,
        items: list[JSON],
        query: JSON,
        on_page: Callable[[list[JSON]], None] | None = None,
    ) -> None:
        per_page = max(1, min(100, int(query.get("per_page", 20))))
        page = max(1, int(query.get("page", 1)))
        total = len(items)
        pages = max(1, -(-total // per_page))
        chunk = items[(page - 1) * per_page : page * per_page]
        if on_page is not None:
            on_page(chunk)
        base = f"http://{self.headers.get('Host')}{urlsplit(self.path).path}"

        def link(n: int) -> str:
            return f"<{base}?{urlencode({**query, 'page': n, 'per_page': per_page})}>"

        headers = {
            "X-Page": str(page),
            "X-Per-Page": str(per_page),
            "X-Next-Page": str(page + 1) if page < pages else "",
            "X-Prev-Page": str(page - 1) if page > 1 else "",
        }
        links = [f'{link(1)}; rel="first"']
        if page < pages:
            links.append(f'{link(page + 1)}; rel="next"')
        if page > 1:
            links.append(f'{link(page - 1)}; rel="prev"')
        if total <= TOTALS_LIMIT:
            headers |= {"X-Total": str(total), "X-Total-Pages": str(pages)}
            links.append(f'{link(pages)}; rel="last"')
        headers["Link"] = ", ".join(links)
        self._send(200, chunk, headers)
