"""Making text from GitLab and Salesforce safe to keep and show.

Control characters are stripped at ingestion so that no escape sequence from a
remote system ever reaches a terminal, whatever widget later shows the text.
"""

from __future__ import annotations

import re

# C0 controls except tab and newline, DEL, C1 controls, and the bidi overrides and
# isolates that can make text read differently from how it is stored (Trojan Source).
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
# A whole ANSI escape sequence (CSI ... final byte, OSC ... BEL/ST, and the short ones such
# as "\x1bc" or tput's "\x1b(B": intermediates, then one final byte) goes, not just its ESC,
# so "\x1b[31mred" becomes "red" rather than "[31mred".
# The 8-bit forms (CSI 0x9b, OSC 0x9d; DCS 0x90, SOS 0x98, PM 0x9e, APC 0x9f and their
# ESC P/X/^/_ spellings, ended by ST 0x9c or ESC \\) go whole as well: "\x9b2J" would
# otherwise leave "2J", and a DCS (sixel, tmux passthrough) its payload, on the card. An
# 8-bit string must be terminated to go whole: a stray 0x90 in mis-decoded text would
# otherwise take the rest of the text with it (alone, it goes as any C1 character).
_ESCAPE_SEQUENCE = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"
    r"|\x1b[\]PX^_][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|[\x9d\x90\x98\x9e\x9f][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)"
    r"|\x1b[ -/]*[0-~]"
)


def clean_text(text: str | None) -> str:
    """Remove escape sequences and unsafe control characters; keep tabs and newlines."""
    if not text:
        return ""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _UNSAFE.sub("", _ESCAPE_SEQUENCE.sub("", text))


def clean_line(text: str | None) -> str:
    """Like clean_text, for one-line fields: newlines and tabs become spaces."""
    return " ".join(clean_text(text).split())


def clean_paste(text: str | None, *, one_line: bool) -> str:
    """What a person pasted, cleaned as remote text is (a paste from a log or a web page
    carries escapes as easily as GitLab does). For a one-line field each line break
    becomes a space, so the whole paste is kept rather than only its first line; spaces
    are otherwise kept as pasted."""
    cleaned = clean_text(text)
    return " ".join(cleaned.splitlines()) if one_line else cleaned
