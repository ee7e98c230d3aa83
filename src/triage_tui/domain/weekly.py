"""Weekly updates (handbook rule 5): the team writes the steps taken every week."""

from __future__ import annotations

import re
from collections.abc import Iterable

from triage_tui.domain.edit import MARKER
from triage_tui.domain.health import Health
from triage_tui.domain.records import Note

_HEADINGS = (
    "Steps taken this week",
    "Customer response",
    "Next step and owner",
)


def update_template(health: Health | None) -> str:
    """The text a new weekly update starts from."""
    parts = [f"**{heading}:**\n- \n" for heading in _HEADINGS]
    parts.append(f"**Health now:** {health.label if health is not None else ''}\n")
    return "\n".join(parts)


def has_content(body: str, health: Health | None) -> bool:
    """Something was written beyond the untouched template."""
    template_lines = {line.strip() for line in update_template(health).splitlines()}
    return any(line.strip() and line.strip() not in template_lines for line in body.splitlines())


# -- which notes are weekly updates --------------------------------------------------------

#: Which rules `counts_as_update` follows. Bump it when they change: a cache stores each
#: note's flag, and derives them all again when this (or the configured bots) differ
#: from what it stored them by (store.cache.Cache._prepare).
UPDATE_RULES = "1"

#: GitLab's bot users for project and group access tokens: `project_{id}_bot_{random
#: hex}` (GitLab 16 and later), and before that `project_{id}_bot` then `..._bot1`,
#: `..._bot2` (and `group_...` likewise). Nobody else can hold such a name: GitLab makes
#: them for the tokens.
_TOKEN_BOT = re.compile(r"(project|group)_\d+_bot(\d*|_[0-9a-f]+)", re.IGNORECASE)

#: The first line of the note a health move writes (triage.reason_note): "**Health
#: Amber → Red (E&A)**".
_HEALTH_MOVE = re.compile(r"\*\*Health .+ → .+\*\*")
#: The invisible marker the push puts into what the app writes (edit.MARKER).
_APP_MARKER = MARKER.split("{uid}", 1)[0]


def bot_names(names: Iterable[str]) -> frozenset[str]:
    """Configured bot usernames as `is_bot` compares them: without "@", lower-cased
    (GitLab usernames are unique regardless of case)."""
    return frozenset(name.strip().removeprefix("@").lower() for name in names if name.strip())


def is_bot(username: str, bots: frozenset[str]) -> bool:
    """A note by this user is a machine's: a configured bot (`bot_names`) or one of
    GitLab's access-token bots."""
    return username.lower() in bots or _TOKEN_BOT.fullmatch(username) is not None


def is_health_move_note(body: str) -> bool:
    """The note the app writes when it moves an issue's health: it records why, but it
    is not the team's weekly account of the steps taken (handbook rule 5). Only the app's
    own (it carries the push's marker): a person may well open an update the same way."""
    first = body.split("\n", 1)[0].strip()
    return _HEALTH_MOVE.fullmatch(first) is not None and _APP_MARKER in body


def counts_as_update(note: Note, bots: frozenset[str]) -> bool:
    """Whether a note restarts the weekly clock: a person wrote it, and it is not the
    app's record of a health move. System notes (label changes...) and bots' notes
    would otherwise make a silent account look looked after."""
    if note.system or is_bot(note.author, bots):
        return False
    return not is_health_move_note(note.body)
