"""The GitLab adapter: python-gitlab's HTTP layer, plain dicts, pure mapping.

python-gitlab's object layer costs ~3.5x a raw fetch (it builds sub-managers for
every issue, see docs/performance.md); its http_request keeps auth, retries
with backoff (5xx, dropped connections) and timeouts at ~1.4x. A 429 is waited out
here, not inside python-gitlab, so the wait shows (see sync.rate_limit).

Notes come in bulk through GraphQL (POST /api/graphql, NOTES_QUERY: the notes of
NOTES_BATCH issues a request) and by REST, one request per issue, for what GraphQL
did not bring. The GraphQL request goes through the same python-gitlab session, not
python-gitlab's `gitlab.GraphQL`: that client needs the `graphql` extra (gql,
graphql-core, httpx, anyio...) for a second HTTP stack with its own retry settings,
and parses every query client-side; posting one fixed query needs none of it, and
this way the token, timeouts, retries (the query only reads: resending is safe) and
error classes are the REST calls' own.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

from triage_tui.domain.edit import Edit
from triage_tui.domain.records import (
    LabelEvent,
    LabelInfo,
    Member,
    Milestone,
    Note,
    RemoteIssue,
)
from triage_tui.domain.vocabulary import IDENTITY, LabelVocabulary
from triage_tui.sync import mapping
from triage_tui.sync.errors import SyncError
from triage_tui.sync.rate_limit import RateLimitGate, retry_after
from triage_tui.sync.secrets import keep_out, masked

PER_PAGE = 100
#: Issues whose notes one GraphQL request asks for. The query's complexity does not grow
#: with it (GitLab scores a connection asked for by iids x1, BaseResolver), so what bounds
#: it is the response (every note of every issue) and GitLab's 30 s request timeout.
NOTES_BATCH = 50
#: Notes per issue in the bulk query: GitLab's max page size. An issue with more comes
#: by REST. All of an issue's notes, not its last few: the notes pane shows them all, and
#: the last weekly update may lie behind any number of system and bot notes.
NOTES_PAGE = 100

NOTES_QUERY = f"""
query TriageNotes($path: ID!, $iids: [String!], $first: Int) {{
  project(fullPath: $path) {{
    issues(iids: $iids, first: $first) {{
      nodes {{
        iid
        notes(first: {NOTES_PAGE}) {{
          pageInfo {{ hasNextPage }}
          nodes {{ id body system createdAt author {{ username }} }}
        }}
      }}
    }}
  }}
}}
"""


#: An answer larger than this is refused (a page of 100 issues is some hundred kB; a
#: broken or hostile server must not make the sync hold gigabytes).
MAX_RESPONSE_BYTES = 64 * 1024 * 1024


class OtherHost(SyncError):
    """GitLab pointed a request (a next-page link, a redirect) to another host."""

    def __init__(self, url: str, target: str) -> None:
        super().__init__(
            f"GitLab at {url} pointed the sync to another host ({_origin(target)}); the "
            "token was not sent there and the sync stopped. Check the GitLab URL in the "
            "config file (and GitLab's external_url)."
        )


class ResponseTooLarge(SyncError):
    def __init__(self, url: str, size: int, *, streamed: bool = False) -> None:
        said = f"more than {size // 1_000_000} MB" if streamed else f"{size // 1_000_000} MB"
        super().__init__(
            f"GitLab at {url} sent an answer too large to read ({said}); "
            "the sync stopped and the cache was kept."
        )


class _CappedBody:
    """A response's raw body that stops past `limit` bytes. A chunked answer (nginx in
    front of GitLab sends one for a gzipped page) has no Content-Length to refuse it by,
    and a gzipped one's Content-Length is the compressed size: what is counted here is
    what requests reads out of it, decoded. Everything else is the wrapped body's."""

    def __init__(self, raw: Any, limit: int, url: str) -> None:
        self._raw = raw
        self._limit = limit
        self._url = url

    def stream(self, amt: int | None = None, decode_content: bool | None = None) -> Iterator[bytes]:
        read = 0
        for chunk in self._raw.stream(amt, decode_content=decode_content):
            read += len(chunk)
            if read > self._limit:
                self._raw.close()  # the rest is never read: the connection is not reused
                raise ResponseTooLarge(self._url, self._limit, streamed=True)
            yield chunk

    def __getattr__(self, name: str) -> Any:
        return getattr(self._raw, name)


def _origin(url: str) -> str:
    """scheme://host:port of a URL (the port made explicit), for comparing origins."""
    parts = urlsplit(url)
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme, 0)
    return f"{parts.scheme}://{(parts.hostname or '').lower()}:{port}"


class GraphQLRefused(Exception):
    """GitLab answered the bulk query with errors, or without the project."""


#: A request answered 429 this many times in a row is given up (the sync says so).
MAX_THROTTLED = 20


_DONE = object()


def _read_ahead(pages: Iterator[Any], depth: int = 2) -> Iterator[Any]:
    """`pages`, fetched in a thread of their own up to `depth` ahead: keyset pages come one
    after the other (each needs the cursor of the one before), and without this the next
    request waited while the caller mapped and stored the page it had. An error in the
    thread is raised here, where the page it stopped would have been; a caller that stops
    early stops the thread too."""
    ahead: queue.Queue[Any] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: Any) -> bool:
        while not stop.is_set():
            try:
                ahead.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def fetch() -> None:
        try:
            for page in pages:
                if not put(page):
                    return
        except BaseException as error:  # handed to the reader, raised there
            put(error)
            return
        put(_DONE)

    worker = threading.Thread(target=fetch, name="gitlab-keyset", daemon=True)
    worker.start()
    try:
        while (item := ahead.get()) is not _DONE:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        worker.join(timeout=5)


class GitLabSource:
    """Reads and writes one triage project. Blocking: call from a worker thread."""

    def __init__(
        self,
        url: str,
        project: str,
        token: str,
        *,
        timeout: float = 30.0,
        max_retries: int = 4,
        concurrency: int = 4,
        graphql: bool = True,
        notes_batch: int = NOTES_BATCH,
        vocabulary: LabelVocabulary = IDENTITY,
    ) -> None:
        import gitlab  # lazily: start-up of the board must not pay for it

        keep_out(token)  # (a server's error message must never show it: sync.secrets)
        self.url = url.rstrip("/")
        self.project = project
        self.max_retries = max_retries
        self.concurrency = concurrency
        self._project_path = f"/projects/{quote(str(project), safe='')}"
        self.vocabulary = vocabulary
        """The org's label names (`[labels]`): every label read becomes the board's word,
        every label sent the org's name; the rest of the app never sees the org's."""
        self.graphql = graphql
        """False: notes by REST only, one request per issue."""
        self.graphql_problem = ""
        """Why this source stopped asking GraphQL for notes ("" while it works)."""
        self.notes_batch = max(1, min(notes_batch, PER_PAGE))
        self._full_path = "" if str(project).isdigit() else str(project)
        self._user_id: int | None = None
        self.rate = RateLimitGate()
        """GitLab's rate limit as this sync meets it: `rate.waited`, `rate.on_wait`."""
        self._asked = threading.local()
        self.gl = gitlab.Gitlab(
            self.url,
            private_token=token,
            timeout=timeout,
            retry_transient_errors=True,
            per_page=PER_PAGE,
        )
        # Before requests follows a redirect or reads a body: the token never goes to
        # another host, no answer is read past MAX_RESPONSE_BYTES.
        self.gl.session.hooks["response"].append(self._guard)
        # python-gitlab's errors carry no headers: a hook reads a 429's Retry-After.
        self.gl.session.hooks["response"].append(self._note_throttle)

    def _guard(self, response: Any, *args: Any, **kwargs: Any) -> None:
        """Refuse a redirect to another host (requests drops `Authorization` there, but
        python-gitlab's PRIVATE-TOKEN is a header of its own that requests would send on),
        and an answer too large to hold: by its Content-Length, and as it is read when
        it has none (chunked) or is compressed. Runs before requests follows the redirect
        and before it reads the body."""
        location = response.headers.get("Location")
        if response.is_redirect and location:
            target = urljoin(response.url, location)
            if _origin(target) != _origin(self.url):
                response.close()
                raise OtherHost(self.url, target)
        size = response.headers.get("Content-Length") or ""
        if size.isdigit() and int(size) > MAX_RESPONSE_BYTES:
            response.close()
            raise ResponseTooLarge(self.url, int(size))
        if hasattr(response.raw, "stream"):  # (urllib3's body; requests reads it so)
            response.raw = _CappedBody(response.raw, MAX_RESPONSE_BYTES, self.url)

    def _note_throttle(self, response: Any, *args: Any, **kwargs: Any) -> None:
        if response.status_code == 429:
            self._asked.seconds = retry_after(response.headers, now=time.time())

    def _request(self, verb: str, path: str, **kwargs: Any) -> Any:
        """python-gitlab's http_request, with a 429 waited out in the open: every thread
        holds back until GitLab's window resets, then the request is sent again. (Safe for
        a create too: GitLab refused the request before acting on it.)"""
        import gitlab.exceptions as gle

        for attempt in range(MAX_THROTTLED):
            self.rate.wait()
            self._asked.seconds = None
            try:
                return self.gl.http_request(verb, path, obey_rate_limit=False, **kwargs)
            except gle.GitlabHttpError as error:
                if error.response_code != 429 or attempt == MAX_THROTTLED - 1:
                    raise
                asked = getattr(self._asked, "seconds", None)
                # (An application limit may name no wait: back off, doubling.)
                self.rate.hold(asked if asked is not None else min(60.0, 2.0**attempt))
        raise AssertionError("unreachable")  # pragma: no cover

    def _send(self, verb: str, path: str, data: dict[str, Any], *, retry: bool) -> Any:
        """A write. `retry=False` for requests that are not idempotent (creating a note or
        an issue): python-gitlab would resend them after a 5xx or a dropped connection
        that GitLab may already have acted on. The outbox retries those itself, after
        checking for the edit's marker."""
        response = self._request(
            verb,
            self._project_path + path,
            post_data=data,
            max_retries=self.max_retries if retry else 0,
            retry_transient_errors=retry,
        )
        return response.json()

    def _fetch(self, path: str, params: dict[str, Any]) -> Any:
        """A GET of a project path, or of a full URL (a Link header's next page)."""
        url = path if path.startswith(("http://", "https://")) else self._project_path + path
        if url is path and _origin(url) != _origin(self.url):
            raise OtherHost(self.url, url)  # a next-page link elsewhere: never followed
        return self._request("get", url, query_data=params, max_retries=self.max_retries)

    def _get(self, path: str, params: dict[str, Any]) -> tuple[Any, Any]:
        response = self._fetch(path, params)
        return response.json(), response.headers

    def _pages(self, path: str, params: dict[str, Any]) -> Iterator[list[dict[str, Any]]]:
        """Every page of a list. With the page count known (GitLab sends totals up to
        10,000 items) the remaining pages are fetched concurrently; above that, GitLab
        omits the totals and the pages are followed one by one through X-Next-Page."""
        params = {**params, "per_page": PER_PAGE}
        first, headers = self._get(path, {**params, "page": 1})
        yield first
        yield from self._offset_pages(path, params, headers)

    def _offset_pages(
        self, path: str, params: dict[str, Any], headers: Any
    ) -> Iterator[list[dict[str, Any]]]:
        """The pages after the first of an offset-paginated list (its headers given)."""
        total = headers.get("X-Total-Pages")
        if total and total.isdigit() and int(total) > 1:
            pages = range(2, int(total) + 1)
            with ThreadPoolExecutor(self.concurrency, thread_name_prefix="gitlab-page") as pool:
                for body, _ in pool.map(lambda n: self._get(path, {**params, "page": n}), pages):
                    yield body
            return
        next_page = headers.get("X-Next-Page")
        while next_page:
            body, headers = self._get(path, {**params, "page": int(next_page)})
            yield body
            next_page = headers.get("X-Next-Page")

    def _keyset_pages(self, path: str, params: dict[str, Any]) -> Iterator[list[dict[str, Any]]]:
        """Every page of a list GitLab may page by keyset (project issues, GitLab 18.3 and
        later: doc/api/rest/_index.md, "Keyset-based pagination"). Each page starts after
        the last row of the one before, whatever moved meanwhile, so a pass over a list
        that people edit sees every row once; the next page is the Link header's. An older
        GitLab ignores `pagination=keyset` and answers by offset (it sends X-Page): the
        pass then goes on by offset, in the order asked for."""
        params = {**params, "per_page": PER_PAGE}
        response = self._fetch(path, {**params, "pagination": "keyset"})
        yield response.json()
        if response.headers.get("X-Page"):
            yield from self._offset_pages(path, params, response.headers)
            return
        next_url = (response.links.get("next") or {}).get("url")
        if next_url:
            yield from _read_ahead(self._keyset_after(next_url))

    def _keyset_after(self, url: str) -> Iterator[list[dict[str, Any]]]:
        next_url: str | None = url
        while next_url:
            response = self._fetch(next_url, {})
            yield response.json()
            next_url = (response.links.get("next") or {}).get("url")

    def issue_pages(self, updated_after: datetime | None = None) -> Iterator[list[RemoteIssue]]:
        """Every issue (or those updated since `updated_after`), oldest first by creation.

        Not by `updated_at`: an issue edited while the pass runs would move to the end of
        that order, and the rows behind it move up a place, so with offset pages the
        first row of the next page is never seen (and a full pass then drops it from the
        cache). `created_at` does not change under an edit, and keyset pages (where GitLab
        offers them) do not move at all."""
        params: dict[str, Any] = {
            "scope": "all",
            "state": "all",
            "order_by": "created_at",
            "sort": "asc",
        }
        if updated_after is not None:
            params["updated_after"] = updated_after.isoformat()
        for page in self._keyset_pages("/issues", params):
            yield [mapping.issue_from_gitlab(item, self.vocabulary) for item in page]

    def issues_by_iid(self, iids: list[int]) -> list[RemoteIssue]:
        """The ones of `iids` GitLab still has (a full pass asks before it drops an issue it
        did not list: a deletion while offset pages were read shifts the rows behind it)."""
        found: list[RemoteIssue] = []
        for start in range(0, len(iids), PER_PAGE):
            chunk = iids[start : start + PER_PAGE]
            params = {"iids[]": chunk, "scope": "all", "state": "all"}
            for page in self._pages("/issues", params):
                found += [mapping.issue_from_gitlab(item, self.vocabulary) for item in page]
        return found

    def notes(self, iid: int) -> list[Note]:
        notes: list[Note] = []
        for page in self._pages(f"/issues/{iid}/notes", {"sort": "desc", "order_by": "created_at"}):
            notes += [mapping.note_from_gitlab(item, iid) for item in page]
        return notes

    def notes_for(self, iids: list[int]) -> Iterator[list[Note]]:
        """Notes of many issues, one list per issue in the order of `iids`.

        Through GraphQL, `notes_batch` issues a request, concurrently. By REST (one request
        per issue, and more for an issue with over 100 notes): an issue whose notes did not
        all fit in the bulk page, or that the answer lacks; and every issue once GraphQL
        has failed (disabled, refused, an error: `graphql_problem` says which).
        """
        if not self.graphql:
            yield from self._rest_notes_for(iids)
            return
        size = self.notes_batch
        batches = [iids[n : n + size] for n in range(0, len(iids), size)]
        with ThreadPoolExecutor(self.concurrency, thread_name_prefix="gitlab-notes") as pool:
            for batch, found in zip(batches, pool.map(self._bulk_notes, batches), strict=True):
                missing = [iid for iid in batch if iid not in found]
                found |= dict(zip(missing, pool.map(self.notes, missing), strict=True))
                for iid in batch:
                    yield found[iid]

    def _rest_notes_for(self, iids: list[int]) -> Iterator[list[Note]]:
        with ThreadPoolExecutor(self.concurrency, thread_name_prefix="gitlab-notes") as pool:
            yield from pool.map(self.notes, iids)

    def _bulk_notes(self, iids: list[int]) -> dict[int, list[Note]]:
        """The notes of the issues whose notes all came in one GraphQL request; {} once
        GraphQL has failed. Any failure here only sends the issues to REST: a problem
        REST shares (a bad token, no network) is then reported from there, as ever."""
        if self.graphql_problem:
            return {}
        try:
            variables = {
                "path": self._graphql_path(),
                "iids": [str(iid) for iid in iids],
                "first": len(iids),
            }
            # Through _request: a 429 is waited out with the REST calls (GitLab counts
            # them together), not taken for a refusal. Given up on that, every issue of the
            # sync went to REST, a request each: fifty times the requests, into the very
            # limit that said 429.
            response = self._request(
                "post",
                f"{self.url}/api/graphql",
                post_data={"query": NOTES_QUERY, "variables": variables},
                max_retries=self.max_retries,
            )
            body = response.json()
            errors = body.get("errors") if isinstance(body, dict) else None
            data = body.get("data") if isinstance(body, dict) else None
            if errors or not isinstance(data, dict):
                first = errors[0] if isinstance(errors, list) and errors else {}
                said = first.get("message") if isinstance(first, dict) else first
                raise GraphQLRefused(str(said))
            if not isinstance(data.get("project"), dict):
                raise GraphQLRefused(f"project {self._graphql_path()} is not visible to GraphQL")
        except Exception as error:  # every failure falls back to REST
            self.graphql_problem = self.graphql_problem or _problem(error)
            return {}
        return mapping.notes_from_graphql(data)

    def label_events(self, iid: int) -> list[LabelEvent]:
        """Every label event of the issue (GET /projects/:id/issues/:iid/
        resource_label_events, doc/api/resource_label_events.md), oldest first. An issue
        GitLab no longer has (deleted while the pull ran: 404) has none."""
        import gitlab.exceptions as gle

        found: list[LabelEvent] = []
        try:
            for page in self._pages(f"/issues/{iid}/resource_label_events", {}):
                for item in page:
                    event = mapping.label_event_from_gitlab(item, iid, self.vocabulary)
                    if event is not None:
                        found.append(event)
        except gle.GitlabHttpError as error:
            if error.response_code != 404:
                raise
            return []
        return found

    def label_events_for(self, iids: list[int]) -> Iterator[list[LabelEvent]]:
        """The label events of many issues, one list per issue in the order of `iids`,
        `concurrency` requests at a time (GitLab has no bulk form of this list)."""
        with ThreadPoolExecutor(self.concurrency, thread_name_prefix="gitlab-events") as pool:
            yield from pool.map(self.label_events, iids)

    def _graphql_path(self) -> str:
        """The project's full path (GraphQL finds projects by path, the config may give
        the numeric id)."""
        if not self._full_path:
            body, _ = self._get("", {})
            self._full_path = str(body["path_with_namespace"])
        return self._full_path

    def labels(self) -> list[LabelInfo]:
        """The project's labels, by the board's words. One name each: where the project
        has both the org's label for a word and a label spelt as the word itself (an old
        "Red" beside `health::red`), the org's one is kept, as the board writes it."""
        found: dict[str, LabelInfo] = {}
        for page in self._pages("/labels", {}):
            for item in page:
                label = mapping.label_from_gitlab(item, self.vocabulary)
                mapped = label.name != mapping.label_from_gitlab(item).name
                if label.name not in found or mapped:
                    found[label.name] = label
        return list(found.values())

    def milestones(self) -> list[Milestone]:
        return [
            mapping.milestone_from_gitlab(x)
            for page in self._pages("/milestones", {"state": "active"})
            for x in page
        ]

    def members(self) -> list[Member]:
        return [
            mapping.member_from_gitlab(x) for page in self._pages("/members/all", {}) for x in page
        ]

    # -- writes (the push engine's IssueWriter) ---------------------------------------------

    def issue(self, iid: int) -> RemoteIssue:
        body, _ = self._get(f"/issues/{iid}", {})
        return mapping.issue_from_gitlab(body, self.vocabulary)

    def update_issue(self, iid: int, edit: Edit) -> RemoteIssue:
        # PUT is idempotent (absolute values, label add/remove): safe to retry.
        body = self._send(
            "put", f"/issues/{iid}", mapping.update_to_gitlab(edit, self.vocabulary), retry=True
        )
        return mapping.issue_from_gitlab(body, self.vocabulary)

    def create_issue(self, edit: Edit) -> RemoteIssue:
        body = self._send(
            "post", "/issues", mapping.create_to_gitlab(edit, self.vocabulary), retry=False
        )
        return mapping.issue_from_gitlab(body, self.vocabulary)

    def user_id(self) -> int:
        """The id of the token's user (GET /user), read once."""
        if self._user_id is None:
            body = self._request("get", "/user", max_retries=self.max_retries).json()
            self._user_id = int(body["id"])
        return self._user_id

    def find_issue(self, marker: str, created_after: datetime) -> RemoteIssue | None:
        """The issue whose description carries `marker` (a create that was cut off): among
        the issues this token's user opened since `created_after`, read in full.

        Not through `search`: GitLab's issue search matches words in a full-text index,
        not text, so what it finds of a marker in an HTML comment depends on the version
        (a GitLab whose index reads the text as PostgreSQL parses it drops the whole
        comment as a tag); it is rate-limited (30 a minute per user by default); and an
        issue whose index entry failed is never found. A miss there meant a second issue."""
        params = {
            "scope": "all",
            "state": "all",
            "author_id": self.user_id(),
            "created_after": created_after.isoformat(),
            "order_by": "created_at",
            "sort": "asc",
        }
        for page in self._pages("/issues", params):
            for item in page:
                if marker in (item.get("description") or ""):
                    return mapping.issue_from_gitlab(item, self.vocabulary)
        return None

    def create_note(self, iid: int, body: str) -> Note:
        note = self._send("post", f"/issues/{iid}/notes", {"body": body}, retry=False)
        return mapping.note_from_gitlab(note, iid)

    def find_note(self, iid: int, marker: str) -> Note | None:
        """A note of the issue carrying `marker`; the newest page is enough, since an
        edit's note is pushed right after it is written."""
        body, _ = self._get(
            f"/issues/{iid}/notes", {"sort": "desc", "order_by": "created_at", "per_page": 100}
        )
        for item in body:
            if marker in (item.get("body") or ""):
                return mapping.note_from_gitlab(item, iid)
        return None

    def ensure_milestone(self, title: str, bounds: tuple[date, date] | None) -> int:
        """The id of the project milestone `title`, created when the project lacks it."""
        for page in self._pages("/milestones", {"title": title, "state": "all"}):
            for item in page:
                if item.get("title") == title:
                    return int(item["id"])
        data: dict[str, Any] = {"title": title}
        if bounds is not None:
            data |= {"start_date": bounds[0].isoformat(), "due_date": bounds[1].isoformat()}
        return int(self._send("post", "/milestones", data, retry=False)["id"])


def _problem(error: Exception) -> str:
    """Why GraphQL was given up, for a person (never the token: python-gitlab's errors
    carry the status and GitLab's message only)."""
    import gitlab.exceptions as gle

    if isinstance(error, GraphQLRefused):
        return f"GitLab refused the bulk notes query: {masked(str(error))[:200]}"
    if isinstance(error, gle.GitlabError):
        return f"GitLab answered {error.response_code} to the bulk notes query"
    return f"the bulk notes query failed ({type(error).__name__})"
