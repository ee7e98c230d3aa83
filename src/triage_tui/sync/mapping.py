"""Pure mapping from GitLab REST v4 (and GraphQL) JSON to domain records.

Every text field is cleaned here, at ingestion, so nothing downstream ever holds
an escape sequence from a remote system. Malformed values become None or empty,
never an exception: one bad issue must not stop a 10,000-issue sync.

Labels cross the org's vocabulary here (`[labels]`, domain.vocabulary): every label
read becomes the board's word, every label sent is the org's name. Nothing past this
module sees the org's spelling.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

from triage_tui.domain.edit import Edit
from triage_tui.domain.issue import IssueState
from triage_tui.domain.records import (
    LabelEvent,
    LabelInfo,
    Member,
    Milestone,
    Note,
    RemoteIssue,
)
from triage_tui.domain.text import clean_line, clean_text
from triage_tui.domain.vocabulary import IDENTITY, LabelVocabulary

JSON = dict[str, Any]


def parse_timestamp(value: object) -> datetime | None:
    """GitLab's "2024-05-01T10:00:00.000Z" (or with an offset) as an aware datetime."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def parse_day(value: object) -> date | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _username(user: object) -> str | None:
    if isinstance(user, dict) and isinstance(user.get("username"), str):
        return clean_line(user["username"]) or None
    return None


def _label_name(label: object) -> str | None:
    # With with_labels_details=true GitLab sends objects; by default, plain names.
    if isinstance(label, dict):
        label = label.get("name")
    return clean_line(label) if isinstance(label, str) and label.strip() else None


def issue_from_gitlab(data: JSON, vocabulary: LabelVocabulary = IDENTITY) -> RemoteIssue:
    milestone = data.get("milestone") if isinstance(data.get("milestone"), dict) else None
    assignees = data.get("assignees") or ([data["assignee"]] if data.get("assignee") else [])
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    state = IssueState.CLOSED if data.get("state") == "closed" else IssueState.OPENED
    return RemoteIssue(
        id=int(data.get("id") or 0),
        iid=int(data["iid"]),
        title=clean_line(data.get("title")),
        state=state,
        labels=vocabulary.board_labels(
            n for n in (_label_name(x) for x in data.get("labels") or []) if n
        ),
        assignees=tuple(u for u in (_username(a) for a in assignees) if u),
        description=clean_text(data.get("description")),
        web_url=clean_line(data.get("web_url")),
        created_at=parse_timestamp(data.get("created_at")) or epoch,
        updated_at=parse_timestamp(data.get("updated_at")) or epoch,
        milestone=clean_line(milestone.get("title")) if milestone else None,
        milestone_id=int(milestone["id"]) if milestone and milestone.get("id") else None,
        due_date=parse_day(data.get("due_date")),
        closed_at=parse_timestamp(data.get("closed_at")),
    )


def note_from_gitlab(data: JSON, issue_iid: int) -> Note:
    return Note(
        id=int(data["id"]),
        issue_iid=issue_iid,
        author=_username(data.get("author")) or "unknown",
        body=clean_text(data.get("body")),
        created_at=parse_timestamp(data.get("created_at")) or datetime(1970, 1, 1, tzinfo=UTC),
        system=bool(data.get("system")),
    )


def label_event_from_gitlab(
    data: JSON, issue_iid: int, vocabulary: LabelVocabulary = IDENTITY
) -> LabelEvent | None:
    """A resource label event (doc/api/resource_label_events.md), its label as the board's
    word; None for one that is no label change ("action" neither add nor remove). A
    deleted label comes as `"label": null` and is kept as None."""
    action = data.get("action")
    if action not in ("add", "remove"):
        return None
    label = data.get("label")
    name = clean_line(label.get("name")) if isinstance(label, dict) else ""
    return LabelEvent(
        id=int(data["id"]),
        issue_iid=issue_iid,
        at=parse_timestamp(data.get("created_at")) or datetime(1970, 1, 1, tzinfo=UTC),
        author=_username(data.get("user")) or "unknown",
        label=vocabulary.to_board(name) if name else None,
        added=action == "add",
    )


#: A note's global id: "gid://gitlab/Note/123", or DiscussionNote, DiffNote... (subclasses
#: of Note, same ids as REST's). Synthetic notes built from resource events have hex ids,
#: and REST's notes list has no such notes: they do not match.
_NOTE_GID = re.compile(r"gid://gitlab/(?:[A-Za-z]+::)*[A-Za-z]*Note/(\d+)")


def note_from_graphql(data: JSON, issue_iid: int) -> Note | None:
    """A note from GraphQL's Note type (`id body system createdAt author { username }`);
    None when its id is not a Note's. `createdAt` comes to the second only (GitLab's Time
    scalar is `iso8601`), where REST gives milliseconds."""
    match = _NOTE_GID.fullmatch(str(data.get("id") or ""))
    if match is None:
        return None
    return Note(
        id=int(match.group(1)),
        issue_iid=issue_iid,
        author=_username(data.get("author")) or "unknown",
        body=clean_text(data.get("body")),
        created_at=parse_timestamp(data.get("createdAt")) or datetime(1970, 1, 1, tzinfo=UTC),
        system=bool(data.get("system")),
    )


def notes_from_graphql(data: JSON) -> dict[int, list[Note]]:
    """Each issue's notes from the bulk notes query's `data` (gitlab_source.NOTES_QUERY),
    for the issues whose notes all came. Left out, to be fetched by REST: an issue whose
    notes run past the page (`hasNextPage` not false: GitLab caps a page at 100 without
    saying so), one with a note that is no Note, and any issue GitLab did not return."""
    project = data.get("project")
    connection = project.get("issues") if isinstance(project, dict) else None
    nodes = connection.get("nodes") if isinstance(connection, dict) else None
    found: dict[int, list[Note]] = {}
    for node in nodes if isinstance(nodes, list) else []:
        if not isinstance(node, dict) or not str(node.get("iid") or "").isdigit():
            continue
        iid = int(node["iid"])
        notes = node.get("notes")
        if not isinstance(notes, dict):
            continue
        page = notes.get("pageInfo")
        items = notes.get("nodes")
        if not isinstance(page, dict) or page.get("hasNextPage") is not False:
            continue
        parsed = [
            note_from_graphql(item, iid) if isinstance(item, dict) else None
            for item in (items if isinstance(items, list) else [None])
        ]
        if all(note is not None for note in parsed):
            found[iid] = [note for note in parsed if note is not None]
    return found


def member_from_gitlab(data: JSON) -> Member:
    return Member(
        id=int(data["id"]),
        username=_username(data) or str(data["id"]),
        name=clean_line(data.get("name")),
    )


def label_from_gitlab(data: JSON, vocabulary: LabelVocabulary = IDENTITY) -> LabelInfo:
    return LabelInfo(
        name=vocabulary.to_board(clean_line(data.get("name"))),
        color=clean_line(data.get("color")),
        description=clean_line(data.get("description")),
    )


def milestone_from_gitlab(data: JSON) -> Milestone:
    return Milestone(
        id=int(data["id"]),
        title=clean_line(data.get("title")),
        state=clean_line(data.get("state")) or "active",
        start_date=parse_day(data.get("start_date")),
        due_date=parse_day(data.get("due_date")),
    )


def update_to_gitlab(edit: Edit, vocabulary: LabelVocabulary = IDENTITY) -> JSON:
    """The issue PUT body for an edit: only the fields it changes, labels as the org
    spells them."""
    data: JSON = {}
    if edit.add_labels:
        data["add_labels"] = ",".join(vocabulary.org_labels(edit.add_labels))
    if edit.remove_labels:
        data["remove_labels"] = ",".join(vocabulary.org_labels(edit.remove_labels))
    if edit.state is not None:
        data["state_event"] = "close" if edit.state is IssueState.CLOSED else "reopen"
    if edit.assignee_ids is not None:
        # GitLab wants ids; an empty list is sent as [0], which it reads as "unassign all".
        data["assignee_ids"] = list(edit.assignee_ids) or [0]
    if edit.milestone is not None:
        data["milestone_id"] = edit.milestone_id or 0  # 0 unassigns
    if edit.due_date is not None:
        data["due_date"] = edit.due_date or None
    if edit.description is not None:
        data["description"] = edit.description
    if edit.title is not None:
        data["title"] = edit.title
    return data


def create_to_gitlab(edit: Edit, vocabulary: LabelVocabulary = IDENTITY) -> JSON:
    """The issue POST body for a new triage issue, its marker in the description, its
    labels as the org spells them."""
    data: JSON = {
        "title": edit.title or "",
        "description": f"{edit.description or ''}\n\n{edit.marker}\n",
        "labels": ",".join(vocabulary.org_labels(edit.add_labels)),
    }
    if edit.assignee_ids:
        data["assignee_ids"] = list(edit.assignee_ids)
    if edit.milestone_id:
        data["milestone_id"] = edit.milestone_id
    if edit.due_date:
        data["due_date"] = edit.due_date
    return data
