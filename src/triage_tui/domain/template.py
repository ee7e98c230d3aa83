"""The triage issue template: parse it from a description and render it back.

Parsing is tolerant because people hand-edit descriptions in GitLab's web UI:
labels may be bold or not, in headings or bullets, with the colon inside or
outside the bold. A missing or garbled field is reported in `problems`; this
module never raises on input text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum
from functools import lru_cache
from urllib.parse import urlsplit

from triage_tui.domain.team import ROLE_ALIASES, Role, TriageTeam, parse_people


class TemplateField(Enum):
    SALESFORCE_URL = "Salesforce URL"
    SUCCESS_PLAN_URL = "Customer Success Plan URL"
    RENEWAL_DATE = "Contract Renewal Date"
    REASON = "Reason for Health Score"


_FIELD_ALIASES: dict[str, TemplateField] = {
    "salesforce url": TemplateField.SALESFORCE_URL,
    "salesforce": TemplateField.SALESFORCE_URL,
    "sfdc url": TemplateField.SALESFORCE_URL,
    "sfdc": TemplateField.SALESFORCE_URL,
    "customer success plan url": TemplateField.SUCCESS_PLAN_URL,
    "customer success plan": TemplateField.SUCCESS_PLAN_URL,
    "success plan url": TemplateField.SUCCESS_PLAN_URL,
    "success plan": TemplateField.SUCCESS_PLAN_URL,
    "contract renewal date": TemplateField.RENEWAL_DATE,
    "renewal date": TemplateField.RENEWAL_DATE,
    "renewal": TemplateField.RENEWAL_DATE,
    "reason for health score": TemplateField.REASON,
    "health score reason": TemplateField.REASON,
    "reason": TemplateField.REASON,
}

TEAM_HEADING = "Triage team"

# "**Key:** value", "- **Key**: value", "### Key", "Key: value", "__Key__ - value".
# Matches up to the end of the separator; the value is the rest of the line, stripped.
# The whitespace runs are possessive (`*+`, `++`) and the value is not part of the pattern,
# so a line with a long run of spaces is read in linear time: with backtracking such a line
# took seconds to minutes. The look-behind keeps " - " needing a space before the dash.
_KEY_LINE = re.compile(
    r"^\s*+(?:[-*+]\s++)?(?:#{1,6}\s*+)?[*_]{0,2}\s*+(?P<key>[A-Za-z][A-Za-z ()/&.']{0,60}?)"
    r"\s*+(?::\s*+[*_]{0,2}|[*_]{0,2}\s*+(?::|(?<=\s)[-–—]\s|$))"
)
# A Markdown heading's opening hashes; the title is found with string methods (see
# `_heading_title`), as a regular expression for it backtracked cubically on long spaces.
_HEADING = re.compile(r"\s*+#{1,6}")
_DATE_FORMATS = (
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%d %b %Y",
    "%d %B %Y",
    "%b %d, %Y",
    "%B %d, %Y",
    "%b %d %Y",
    "%B %d %Y",
)


def parse_date(text: str) -> date | None:
    """A calendar date in the forms people write in descriptions, or None."""
    cleaned = text.strip().strip("*_`").strip()
    if len(cleaned) == 10 and cleaned[4] == "-":
        # The form the app writes: fromisoformat is ~20x faster than strptime's loop.
        try:
            return date.fromisoformat(cleaned)
        except ValueError:
            pass
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(cleaned, fmt).date()
        except ValueError:
            continue
    return None


def is_url(text: str) -> bool:
    """An absolute http(s) URL with a host."""
    try:
        parts = urlsplit(text.strip())
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc) and " " not in text.strip()


def _strip_link(value: str) -> str:
    """`[text](url)` and `<url>` forms become the URL."""
    value = value.strip()
    if match := re.fullmatch(r"\[[^\]]*\]\((\S+?)\)", value):
        return match.group(1)
    if match := re.fullmatch(r"<(\S+)>", value):
        return match.group(1)
    return value


@dataclass(frozen=True, slots=True)
class TemplateFields:
    """The template's fields as read from a description."""

    salesforce_url: str = ""
    success_plan_url: str = ""
    renewal_date: date | None = None
    renewal_text: str = ""
    reason: str = ""
    team: TriageTeam = field(default_factory=TriageTeam)
    problems: tuple[str, ...] = ()
    #: Text outside the template, kept so a re-render loses nothing a person wrote.
    extra: str = ""


# Both run on every line of every description a sync brings (10,000 issues of ~20 lines),
# and template lines repeat across issues ("### Triage team", "- **TAM:** @liam"): cached.
@lru_cache(maxsize=16384)
def _heading_title(line: str) -> str | None:
    """The title of a heading line ("### Title ###" gives "Title"); None when not a heading."""
    match = _HEADING.match(line)
    if not match:
        return None
    return line[match.end() :].strip().rstrip("#").rstrip()


@lru_cache(maxsize=16384)
def _key_of(line: str) -> tuple[TemplateField | Role | None, str]:
    match = _KEY_LINE.match(line)
    if not match:
        return None, ""
    key = match.group("key").strip().lower()
    target: TemplateField | Role | None = _FIELD_ALIASES.get(key) or ROLE_ALIASES.get(key)
    return target, line[match.end() :].strip()


def parse_description(text: str) -> TemplateFields:
    """Read the template's fields and triage team from an issue description."""
    values: dict[TemplateField, list[str]] = {}
    team_pairs: list[tuple[Role, tuple[str, ...]]] = []
    extra: list[str] = []
    # Blank lines outside the fields go to `extra` only when more extra text follows them,
    # so paragraph breaks in a person's text survive while the template's own spacing does not.
    blanks: list[str] = []
    current: TemplateField | None = None
    in_team = False
    for raw in text.splitlines():
        title = _heading_title(raw)
        if title is not None and title.strip("*_ :").lower() == TEAM_HEADING.lower():
            in_team, current = True, None
            blanks.clear()
            continue
        target, value = _key_of(raw)
        if in_team and isinstance(target, Role):
            team_pairs.append((target, parse_people(value)))
            blanks.clear()
        elif in_team and not raw.strip():
            blanks.append(raw)
        elif isinstance(target, TemplateField):
            in_team, current = False, target
            blanks.clear()
            values.setdefault(target, [])
            if value:
                values[target].append(value)
        elif title is not None:
            in_team, current = False, None
            extra += blanks
            blanks.clear()
            extra.append(raw)
        elif current is TemplateField.REASON:
            values[current].append(raw)
        elif current is not None and not values[current]:
            if raw.strip():
                values[current].append(raw.strip())
        elif not raw.strip():
            blanks.append(raw)
        else:
            current = None
            extra += blanks
            blanks.clear()
            extra.append(raw)
    return _fields_from(values, team_pairs, "\n".join(extra).strip())


def _fields_from(
    values: dict[TemplateField, list[str]],
    team_pairs: list[tuple[Role, tuple[str, ...]]],
    extra: str,
) -> TemplateFields:
    problems: list[str] = []

    def one(key: TemplateField) -> str:
        if key not in values or not "".join(values[key]).strip():
            problems.append(f"{key.value} is missing")
            return ""
        return " ".join(values[key][0].split())

    salesforce = _strip_link(one(TemplateField.SALESFORCE_URL))
    if salesforce and not is_url(salesforce):
        problems.append(f"{TemplateField.SALESFORCE_URL.value} is not a URL")
    plan = _strip_link(one(TemplateField.SUCCESS_PLAN_URL))
    if plan and not is_url(plan):
        problems.append(f"{TemplateField.SUCCESS_PLAN_URL.value} is not a URL")
    renewal_text = one(TemplateField.RENEWAL_DATE)
    renewal = parse_date(renewal_text) if renewal_text else None
    if renewal_text and renewal is None:
        problems.append(f"{TemplateField.RENEWAL_DATE.value} is not a date: {renewal_text[:40]}")
    reason = "\n".join(values.get(TemplateField.REASON, [])).strip()
    if not reason:
        problems.append(f"{TemplateField.REASON.value} is missing")
    return TemplateFields(
        salesforce_url=salesforce,
        success_plan_url=plan,
        renewal_date=renewal,
        renewal_text=renewal_text,
        reason=reason,
        team=TriageTeam.of(team_pairs),
        problems=tuple(problems),
        extra=extra,
    )


def render_team(team: TriageTeam) -> str:
    lines = [f"### {TEAM_HEADING}", ""]
    for role in Role:
        people = team.people(role)
        shown = ", ".join(f"@{p}" for p in people) if people else "—"
        lines.append(f"- **{role.value}:** {shown}")
    return "\n".join(lines)


def render_description(fields: TemplateFields) -> str:
    """The description for these fields; `parse_description` reads it back to equal fields."""
    renewal = (
        fields.renewal_date.isoformat() if fields.renewal_date is not None else fields.renewal_text
    )
    parts = [
        f"**{TemplateField.SALESFORCE_URL.value}:** {fields.salesforce_url}",
        f"**{TemplateField.SUCCESS_PLAN_URL.value}:** {fields.success_plan_url}",
        f"**{TemplateField.RENEWAL_DATE.value}:** {renewal}",
        "",
        f"**{TemplateField.REASON.value}:**",
        fields.reason.strip(),
        "",
        render_team(fields.team),
    ]
    if fields.extra.strip():
        parts += ["", fields.extra.strip()]
    return "\n".join(parts) + "\n"


def _joined(description: str, lines: list[str]) -> str:
    """`lines` as a description, with the line ends `description` had (GitLab keeps the
    web editor's CRLF: rewriting one section must not change every line)."""
    newline = "\r\n" if "\r\n" in description else "\n"
    return newline.join(lines) + newline


def _append(description: str, section: list[str]) -> str:
    """`description` with `section` added at the end, after one blank line."""
    body = description.splitlines()
    while body and not body[-1].strip():
        body.pop()
    return _joined(description, [*body, "", *section] if body else section)


def _team_heading(lines: list[str]) -> int | None:
    """The index of the "Triage team" heading among `lines`, if there is one."""
    for index, raw in enumerate(lines):
        title = _heading_title(raw)
        if title is not None and title.strip("*_ :").lower() == TEAM_HEADING.lower():
            return index
    return None


def replace_team(description: str, team: TriageTeam) -> str:
    """The description with its "Triage team" section replaced by `team`, everything else
    kept as it is (a hand-edited description stays hand-edited); the section is added at
    the end when there is none. Its role lines are the lines the parser reads as roles."""
    lines = description.splitlines()
    start = _team_heading(lines)
    section = render_team(team).splitlines()
    if start is None:
        return _append(description, section)
    end = start + 1
    while end < len(lines) and (not lines[end].strip() or isinstance(_key_of(lines[end])[0], Role)):
        end += 1
    # Keep one blank line between the section and what follows it.
    rest = lines[end:]
    return _joined(description, [*lines[:start], *section, *([""] if rest else []), *rest])


def _ends_reason(line: str) -> bool:
    """Another template field or a heading: where the parser ends the reason's text (a
    second "Reason:" line only continues it)."""
    target = _key_of(line)[0]
    if isinstance(target, TemplateField):
        return target is not TemplateField.REASON
    return _heading_title(line) is not None


def written_reason(reason: str) -> str:
    """`reason` as the template field reads back once `replace_reason` has written it."""
    return parse_description(replace_reason("", reason)).reason


def replace_reason(description: str, reason: str) -> str:
    """The description with its "Reason for Health Score" field's text replaced by
    `reason`, everything else kept as it is. The field's text runs, as the parser reads
    it, to the next template field or heading; a description without the field gets it
    before the "Triage team" section (or at the end)."""
    lines = description.splitlines()
    # The first line goes on the key line: there, text that looks like a heading or a
    # field ("#1234 escalated", "Renewal: moved to Q3") stays the reason's.
    first, *rest = reason.strip().splitlines() or [""]
    new = [f"**{TemplateField.REASON.value}:** {first.strip()}".rstrip(), *rest]
    start = next(
        (i for i, raw in enumerate(lines) if _key_of(raw)[0] is TemplateField.REASON), None
    )
    if start is None:
        team = _team_heading(lines)
        if team is None:
            return _append(description, new)
        start = end = team
        new.append("")
    else:
        end = start + 1
        while end < len(lines) and not _ends_reason(lines[end]):
            end += 1
        # Keep one blank line between the field and what follows it.
        if end < len(lines):
            new.append("")
    return _joined(description, [*lines[:start], *new, *lines[end:]])
