"""A corpus of hostile text, and seeding of the emulators with it.

Every string here is something GitLab or Salesforce can hand the app (GitLab stores titles,
labels, names and notes as given; a hostile or compromised server sends anything): Textual
and Rich markup that would run an action or open a link if it were parsed, escape
sequences that would clear the screen, write the clipboard, retitle the window or make the
terminal answer a query if they reached it, bidi overrides that make text read differently
from how it is stored, and text whose width or length breaks naive layouts.

Tests, the snapshot and pty checks and the emulators share it, so it imports nothing from
Textual or Rich (the emulators run without them).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from triage_emulators.gitlab import GitLabEmulator
    from triage_emulators.salesforce import SalesforceEmulator

JSON = dict[str, Any]

# -- the corpus -----------------------------------------------------------------------------

#: Textual/Rich markup: parsed, these would quit the app, open a link or restyle the board;
#: "[" and "[/" alone are what make a naive markup parser raise.
MARKUP: dict[str, str] = {
    "open-bracket": "[",
    "close-tag": "[/",
    "click-quit": "[@click=app.quit]x[/]",
    "link": "[link=https://evil.example]x[/link]",
    "style": "[bold red]",
    "unbalanced": "[/bold] closes nothing [b]",
    "variable": "$accent $text on $error",
}

#: Terminal escapes. Written to a terminal, each does something: clear the screen, set the
#: clipboard (OSC 52: "evil"), add a hyperlink (OSC 8), retitle the window (OSC 0), clear
#: again through the 8-bit CSI (0x9b), or make the terminal type its cursor position back
#: into the app's input (DSR, a classic injection); and the less common strings (DCS, APC).
ESCAPES: dict[str, str] = {
    "csi-clear": "\x1b[2J\x1b[H",
    "sgr-colour": "\x1b[31mred\x1b[0m",
    "osc52-clipboard": "\x1b]52;c;ZXZpbA==\x07",
    "osc8-link": "\x1b]8;;https://evil.example\x1b\\link\x1b]8;;\x1b\\",
    "osc0-title": "\x1b]0;PWNED-TITLE\x07",
    "csi-8bit": "\x9b2J",
    "osc-8bit": "\x9d0;PWNED-8BIT\x9c",
    "dsr-query": "\x1b[6n",
    "dcs-string": "\x1bPq#0;2;0;0;0#0~~\x1b\\",
    "alt-screen": "\x1b[?1049l",
    "c0-controls": "nul\x00bel\x07bs\x08vt\x0bff\x0cdel\x7f",
    "carriage-return": "safe\rEVIL",
}

#: Characters that change how text reads or measures without being escapes.
UNICODE: dict[str, str] = {
    "bidi-override": "\u202eexe.txt\u202c",
    "bidi-isolates": "admin\u2066\u2067\u2068x\u2069",
    "bidi-marks": "\u200e\u200f\u061cmarks",
    "zero-width": "zero\u200bwidth\u200cnon\u200djoiner\u2060word\ufeffbom",
    "cjk": "株式会社サンプル・トレーディング",
    "fullwidth": "ＦＵＬＬＷＩＤＴＨ　ＣＯＲＰ",
    "emoji-zwj": "👩\u200d👩\u200d👧\u200d👦 family 🏳\ufe0f\u200d🌈",
    "combining": "Z\u0334\u0321a\u0337\u0322l\u0335g\u0336o\u0338 e\u0301\u0301\u0301",
    "rtl-script": "שלום مرحبا",
    "line-separator": "one\u2028two\u2029three\x85four",
}

#: A word no line can hold: wrapping and clipping must cut it, not overflow.
LONG_WORD = "W" * 10_000

CORPUS: dict[str, str] = {**MARKUP, **ESCAPES, **UNICODE, "long-word": LONG_WORD}
"""Every hostile string by name."""

#: Markers each seeded value starts with, so a test finds its card whatever was cleaned.
MARKER = "HX"

#: 1 MB each: a description (a pasted call transcript) and a note.
HUGE_DESCRIPTION_TAIL = "Very long pasted call transcript [b]. \x1b[2J " * 26_000
HUGE_NOTE = "Weekly update pasted from a 1 MB log [@click=app.quit]. \x1b]0;t\x07 " * 19_000

#: Characters that must never reach a terminal from data: ESC and the other C0 controls
#: (tab and newline are layout), DEL, C1 (0x80-0x9f: 0x9b is CSI, 0x9d OSC on some
#: terminals), and bidi overrides, embeddings, isolates and marks.
FORBIDDEN = frozenset(
    [chr(c) for c in range(0x20) if c not in (0x09, 0x0A)]
    + [chr(c) for c in range(0x7F, 0xA0)]
    + [chr(c) for c in range(0x202A, 0x202F)]
    + [chr(c) for c in range(0x2066, 0x206A)]
    + ["\u200e", "\u200f", "\u061c"]
)

#: Byte sequences from the corpus that must not be in what the app writes to a terminal
#: (the app's own output has CSI SGR and cursor moves, so ESC itself cannot be banned).
LEAK_BYTES: dict[str, bytes] = {
    "OSC 52 clipboard": b"\x1b]52;",
    "OSC 0 corpus title": b"PWNED-TITLE\x07",
    "8-bit OSC": b"PWNED-8BIT\xc2\x9c",
    "8-bit CSI": b"\xc2\x9b",
    "DSR query": b"\x1b[6n",
    "OSC 8 to the corpus host": b"\x1b]8;;https://evil.example",
    "DCS string": b"\x1bPq",
}


def forbidden_in(text: str) -> list[str]:
    """The forbidden characters in `text`, as escapes (for a readable assertion)."""
    return sorted({repr(ch) for ch in text if ch in FORBIDDEN})


def marked(name: str, value: str) -> str:
    return f"{MARKER} {name} {value}"


# -- seeding the emulators ------------------------------------------------------------------

SALESFORCE_BASE = "https://example.my.salesforce.com"


@dataclass(frozen=True)
class Seeded:
    """What was seeded: the iids by purpose."""

    titles: dict[str, int]
    """Corpus name -> iid of the issue whose title carries it."""
    huge_description: int
    huge_note: int
    hostile_user: str
    """The raw username of the hostile member (assignee, author, note author)."""


def _hostile_users() -> list[JSON]:
    names = list(CORPUS.items())
    users = []
    for offset, (name, value) in enumerate(names[:: max(1, len(names) // 6)]):
        username = f"hx{offset}{value[:40]}"
        users.append(
            {
                "id": 900 + offset,
                "username": username,
                "name": marked(name, value[:200]),
                "state": "active",
                "avatar_url": None,
                "web_url": f"https://gitlab.example.com/hx{offset}",
            }
        )
    return users


def seed_gitlab(emu: GitLabEmulator) -> Seeded:
    """Overwrite the emulator's first issues with hostile text: one issue per corpus string
    in its title, with a hostile label, assignee and author, the string in the template's
    fields (Salesforce URL, success plan, renewal date, reason) and in a note; one issue
    with a 1 MB description and one with a 1 MB note. The rest of the project stays as the
    demo made it, so the board still has its ordinary shape around them."""
    # Imported here, as gitlab.py imports the demo: the emulators' module loads alone.
    from triage_tui.domain.template import TemplateFields, render_description

    users = _hostile_users()
    with emu.lock:
        project = emu.project
        project.members.extend(users)
        iids = sorted(project.issues)
        needed = len(CORPUS) + 2
        if len(iids) < needed:
            raise ValueError(f"the emulator needs at least {needed} issues, has {len(iids)}")
        titles: dict[str, int] = {}
        for index, (name, value) in enumerate(CORPUS.items()):
            iid = iids[index]
            issue = project.issues[iid]
            user = users[index % len(users)]
            issue["title"] = marked(name, value)
            # Keep the health and region labels (so the card stays on its column), add one.
            issue["labels"] = [*issue["labels"], f"hx-{name}-{value[:60]}"]
            issue["assignees"] = [*issue["assignees"], user]
            issue["author"] = user
            issue["description"] = render_description(
                TemplateFields(
                    salesforce_url=f"{SALESFORCE_BASE}/001{iid:012d}AAA {value[:80]}",
                    success_plan_url=f"https://gitlab.example.com/plans/{iid}{value[:80]}",
                    renewal_text=value[:40],
                    reason=marked(name, value),
                )
            )
            project.notes.setdefault(iid, []).append(_note(iid, 8_000_000 + iid, value, user))
            titles[name] = iid
        description_iid, note_iid = iids[len(CORPUS)], iids[len(CORPUS) + 1]
        project.issues[description_iid]["title"] = marked("huge-description", "1 MB")
        project.issues[description_iid]["description"] += "\n" + HUGE_DESCRIPTION_TAIL
        project.issues[note_iid]["title"] = marked("huge-note", "1 MB")
        project.notes.setdefault(note_iid, []).append(
            _note(note_iid, 8_500_000, HUGE_NOTE, users[0])
        )
        project.labels.extend(
            {
                "id": 700 + n,
                "name": f"hx-{name}-{value[:60]}",
                "color": value[:20],
                "description": value,
            }
            for n, (name, value) in enumerate(CORPUS.items())
        )
    return Seeded(titles, description_iid, note_iid, users[0]["username"])


def _note(iid: int, note_id: int, body: str, author: JSON) -> JSON:
    stamp = "2026-11-23T10:00:00.000Z"
    return {
        "id": note_id,
        "body": f"Steps taken: {body}\nCustomer response: {body[:200]}",
        "author": author,
        "created_at": stamp,
        "updated_at": stamp,
        "system": False,
        "noteable_id": 10_000 + iid,
        "noteable_iid": iid,
        "noteable_type": "Issue",
    }


def seed_salesforce(sf: SalesforceEmulator, names: Iterable[str] = CORPUS) -> list[str]:
    """Give the first Salesforce accounts hostile names, owners, TAMs and health reasons;
    the ids changed, in order."""
    chosen = list(names)
    with sf.lock:
        ids = sorted(sf.accounts)[: len(chosen)]
        for account_id, name in zip(ids, chosen, strict=False):
            value = CORPUS[name]
            sf.accounts[account_id].update(
                Name=marked(name, value)[:255],
                Account_Owner__c=value[:80],
                Health_Score_Reasons__c=marked(name, value),
            )
    return ids
