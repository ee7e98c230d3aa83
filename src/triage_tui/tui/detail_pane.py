"""The issue detail pane: template fields, labels, team and description.

Everything from GitLab is shown through Content built from plain strings, so
markup in a title or description is drawn as the characters it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from triage_tui.domain.er_call import STALE_SCORE_DAYS
from triage_tui.domain.history import HealthChange
from triage_tui.domain.issue import Card, IssueDetail, iid_text, make_card
from triage_tui.domain.team import Role
from triage_tui.domain.text import clean_line
from triage_tui.tui.format import (
    health_text,
    last_update_phrase,
    money_phrase,
    not_member_line,
    people_text,
    renewal_phrase,
)

#: Longer descriptions are cut here: wrapping a megabyte of text would freeze the pane.
DESCRIPTION_LIMIT = 20_000


#: Field names are padded to this width; the longest ("Success plan URL") keeps a gap.
LABEL_WIDTH = 18
#: Team rows: the longest role name in full, indented, then at least one space.
TEAM_LABEL_WIDTH = 2 + max(len(role.value) for role in Role) + 1


def _row(name: str, value: str, value_style: str = "", *, width: int = LABEL_WIDTH) -> Content:
    label = f"{name:<{width - 1}} "  # never runs into the value, whatever the name's length
    return Content.assemble((label, "$text-muted"), (value or "—", value_style), "\n")


def _days_ago(days: int) -> str:
    return "today" if days == 0 else "yesterday" if days == 1 else f"{days} days ago"


def _salesforce_rows(card: Card) -> list[Content | str | tuple[str, str]]:
    """The account's score in Salesforce, when it was confirmed, and its ARR; whether the
    label says otherwise. Nothing when the account is not cached."""
    account = card.summary.account
    if account is None:
        return []
    score = account.health.label if account.health is not None else "no score"
    days = card.days_since_score
    if account.health_date is None or days is None:
        confirmed, stale = "never confirmed", True
    else:
        confirmed = f"confirmed {account.health_date.isoformat()}, {_days_ago(days)}"
        stale = days > STALE_SCORE_DAYS
    if stale:
        confirmed += f" (stale: older than {STALE_SCORE_DAYS} days)"
    rows: list[Content | str | tuple[str, str]] = [
        _row("Salesforce score", f"{score}, {confirmed}", "$warning" if stale else ""),
        _row("ARR", money_phrase(account.arr) if account.arr is not None else "not in Salesforce"),
    ]
    if card.salesforce_differs:
        gitlab = card.health.label if card.health is not None else "no single health label"
        rows.append(
            (
                f"≠ The label says {gitlab}, Salesforce {score}: settle it on the ER call (E).\n",
                "bold $warning",
            )
        )
    return rows


def render_detail(detail: IssueDetail, today: date) -> Content:
    summary, fields = detail.summary, detail.fields
    card = make_card(summary, today)
    several = len(card.reading.healths) > 1
    state = "closed" if card.closed else "open"
    parts: list[Content | str | tuple[str, str]] = [
        (f"{iid_text(summary.iid)} ", "bold"),
        (summary.title, "bold"),
        "\n",
        (health_text(card.health, several=several), "bold"),
        f" · {card.region.label if card.region is not None else 'no region'} · {state}",
        ("  NEW — needs review" if card.is_new else "", "bold $accent"),
        "\n\n",
    ]
    for problem in (*card.reading.problems, *fields.problems):
        parts.append((f"⚠ {problem}\n", "$warning"))
    if card.reading.problems or fields.problems:
        parts.append("\n")
    renewal = (
        fields.renewal_date.isoformat() if fields.renewal_date is not None else fields.renewal_text
    )
    if fields.renewal_date is not None:
        renewal += f"  ({renewal_phrase(card.days_to_renewal)})"
    last_update = last_update_phrase(card)
    if card.update_overdue:
        last_update += "  (overdue: no weekly update in 7 days)"
    parts += [
        _row("Salesforce URL", fields.salesforce_url),
        *_salesforce_rows(card),
        _row("Success plan URL", fields.success_plan_url),
        _row("Renewal date", renewal),
        _row("Milestone", detail.milestone or ""),
        _row("Due date", detail.due_date.isoformat() if detail.due_date is not None else ""),
        _row("Labels", ", ".join(summary.labels)),
        _row("Assignees", ", ".join(f"@{a}" for a in detail.assignees)),
        _row("Last update", last_update, "$warning" if card.update_overdue else ""),
        _row("GitLab", detail.web_url),
    ]
    if summary.pending_edits or summary.failed_edits:
        parts.append(
            _row("Edits", f"{summary.pending_edits} pending, {summary.failed_edits} failed")
        )
    parts += ["\n", ("Reason for Health Score\n", "bold"), fields.reason or "—", "\n\n"]
    parts.append(("Triage team\n", "bold"))
    for role in Role:
        label = f"{'  ' + role.value:<{TEAM_LABEL_WIDTH - 1}} "
        people = people_text(fields.team.people(role), detail.not_members)
        parts += [(label, "$text-muted"), people, "\n"]
    missing = fields.team.missing_roles()
    if missing:
        parts.append((f"⚠ Missing: {', '.join(missing)}\n", "$warning"))
    for person in detail.not_members:
        parts.append((not_member_line(person, "t picks a member") + "\n", "$warning"))
    return Content.assemble(*parts)


def render_history(history: Sequence[HealthChange], card: Card) -> Content:
    """Every health change, newest first: the day, the colour it became, who, and why
    (the reason of the health move's note; "no reason recorded" when none was found).
    Salesforce's score date comes in among them, as the day the score was last
    confirmed. Empty when nothing is known (label events not read yet). Text from GitLab
    is cleaned again and shown as the characters it is (Content from plain strings)."""
    account = card.summary.account
    scored = account.health_date if account is not None else None
    if not history and scored is None:
        return Content("")
    # (day, 0 for a change and 1 for Salesforce's date: after that day's changes, moment)
    rows: list[tuple[tuple[str, int, str], list[Content | str | tuple[str, str]]]] = []
    for change in history:
        colour = change.health.label if change.health is not None else "no health"
        day = change.at.date().isoformat()
        line: list[Content | str | tuple[str, str]] = [
            (f"  {day}  ", "$text-muted"),
            (f"{colour:<9}", "bold"),
            f" @{clean_line(change.author)}\n",
        ]
        if change.reason is not None:
            line.append(f"    {clean_line(change.reason)}\n")
        else:
            line.append(("    no reason recorded\n", "$text-muted"))
        rows.append(((day, 0, change.at.isoformat()), line))
    if account is not None and scored is not None:
        score = account.health.label if account.health is not None else "no score"
        rows.append(
            (
                (scored.isoformat(), 1, ""),
                [
                    (f"  {scored.isoformat()}  ", "$text-muted"),
                    (f"{score:<9}", "bold"),
                    (" Salesforce: confirmed\n", "$text-muted"),
                ],
            )
        )
    rows.sort(key=lambda row: row[0])
    parts: list[Content | str | tuple[str, str]] = [("Health history\n", "bold")]
    for _, line in reversed(rows):
        parts += line
    parts.append("\n")
    return Content.assemble(*parts)


def render_description(detail: IssueDetail) -> Content:
    text = detail.description
    note = ""
    if len(text) > DESCRIPTION_LIMIT:
        note = (
            f"\n\n… showing the first {DESCRIPTION_LIMIT:,} of {len(text):,} characters;"
            " the rest is in GitLab (y copies the link)."
        )
        text = text[:DESCRIPTION_LIMIT]
    return Content.assemble(("Description\n", "bold"), text or "(empty)", (note, "$text-muted"))


class DetailPane(VerticalScroll):
    """Beside the board (on narrow terminals, over it). Updated as the cursor moves."""

    def compose(self) -> ComposeResult:
        yield Static(id="detail-fields", markup=False)
        yield Static(id="detail-history", markup=False)
        yield Static(id="detail-description", markup=False)

    def show_issue(
        self, detail: IssueDetail | None, today: date, history: Sequence[HealthChange] = ()
    ) -> None:
        fields = self.query_one("#detail-fields", Static)
        changes = self.query_one("#detail-history", Static)
        description = self.query_one("#detail-description", Static)
        if detail is None:
            fields.update(Content("No issue selected."))
            changes.update(Content(""))
            description.update(Content(""))
            return
        fields.update(render_detail(detail, today))
        shown = render_history(history, make_card(detail.summary, today))
        changes.update(shown)
        changes.display = bool(shown.plain)
        description.update(render_description(detail))
        self.scroll_home(animate=False)
