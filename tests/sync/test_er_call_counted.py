"""The ER call on data whose answers were counted by hand, synced from both emulators
through the real python-gitlab and simple-salesforce clients.

Every colour appears on both sides (Green included: it was once read as "no health"),
open and closed issues, accounts with and without an issue, fresh, stale and never
confirmed scores, new issues, silent ones and ones kept alive only by a bot.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import TODAY, TOKEN
from tests.emulated import synced
from triage_emulators.gitlab import GitLabEmulator, Project
from triage_emulators.salesforce import SalesforceEmulator
from triage_tui.config import SalesforceSettings
from triage_tui.domain.er_call import Agenda
from triage_tui.domain.template import TemplateFields, render_description
from triage_tui.services import TriageService

NOON = datetime(TODAY.year, TODAY.month, TODAY.day, 12, tzinfo=UTC)
TAM = {"id": 2, "username": "bob", "name": "Bob Builder"}
#: A GitLab project access token's bot user, as GitLab names them.
BOT = {"id": 3, "username": "project_42_bot_5e1f0a7c9d2b", "name": "Triage bot"}


def sf_id(letter: str) -> str:
    return f"001000000000{ord(letter):03d}AAA"


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


#: iid, name, labels, state, account letter ("" = no Salesforce URL), days since created,
#: notes as (days ago, author).
ISSUES: list[tuple[int, str, list[str], str, str, int, list[tuple[int, dict[str, Any]]]]] = [
    (1, "Acme", ["Red", "New", "EMEA"], "opened", "A", 20, [(1, TAM)]),
    (2, "Bolt", ["Amber", "EMEA"], "opened", "B", 20, [(1, TAM)]),  # SF Green
    (3, "Cask", ["Green", "APAC"], "opened", "C", 20, [(2, TAM)]),  # SF Red
    (4, "Dune", ["Yellow", "APAC"], "opened", "D", 20, [(3, TAM)]),  # SF stale
    (5, "Echo", ["Red", "LATAM"], "closed", "E", 90, [(40, TAM)]),  # closed: E is missing
    (6, "Fern", ["Amber", "US-EAST"], "opened", "", 20, [(1, TAM)]),  # no account
    (7, "Gale", ["Yellow", "US-WEST"], "opened", "G", 30, [(10, TAM)]),  # SF Amber; silent
    (8, "Hush", ["Green", "New", "US-WEST"], "opened", "H", 2, []),  # new: not silent yet
    (9, "Iris", ["Amber", "EMEA"], "opened", "I", 30, []),  # never updated: silent
    (10, "Jade", ["Red", "APAC"], "opened", "J", 30, [(12, TAM), (1, BOT)]),  # bot only: silent
]

#: letter, name, score, days since confirmed (None: never), TAM, days to renewal, ARR.
ACCOUNTS: list[tuple[str, str, str | None, int | None, str, int, float]] = [
    ("A", "Acme", "Red", 3, "bob", 200, 90_000.0),
    ("B", "Bolt", "Green", 3, "bob", 200, 90_000.0),
    ("C", "Cask", "Red", 3, "bob", 200, 90_000.0),
    ("D", "Dune", "Yellow", 40, "bob", 200, 90_000.0),
    ("E", "Echo", "Red", 3, "bob", 200, 90_000.0),
    ("G", "Gale", "Amber", 3, "bob", 200, 90_000.0),
    ("H", "Hush", "Green", 3, "bob", 200, 90_000.0),
    ("I", "Iris", "Amber", 3, "bob", 200, 90_000.0),
    ("J", "Jade", "Red", 3, "bob", 200, 90_000.0),
    ("K", "Kilo", "Amber", 3, "bob", 200, 90_000.0),  # at risk, no issue: missing
    ("L", "Lark", "Green", 60, "bob", 200, 90_000.0),  # stale Green, no issue
    ("M", "Mint", "Yellow", None, "bob", 200, 90_000.0),  # never confirmed
    ("N", "Nova", "Green", 3, "bob", 200, 90_000.0),  # nothing to say
    ("O", "Oak", "Red", 3, "bob", 200, 90_000.0),  # at risk, no issue: missing
    ("P", "Pine", "Green", 3, "", 30, 500_000.0),  # large, no TAM, renews in 30 days
    ("Q", "Quay", "Green", 3, "", 30, 50_000.0),  # no TAM but small
]


def gitlab_project() -> Project:
    project = Project(members=[TAM, BOT])
    note_id = 100
    for iid, name, labels, state, letter, age, notes in ISSUES:
        created = NOON - timedelta(days=age)
        url = f"https://acme.my.salesforce.com/{sf_id(letter)}" if letter else ""
        fields = TemplateFields(
            salesforce_url=url,
            success_plan_url="https://gitlab.example.com/plans/x",
            renewal_date=TODAY + timedelta(days=200),
            reason="Counted by hand.",
        )
        project.issues[iid] = {
            "id": 1000 + iid,
            "iid": iid,
            "project_id": 42,
            "title": name,
            "description": render_description(fields),
            "state": state,
            "created_at": stamp(created),
            "updated_at": stamp(NOON - timedelta(days=min(age, 1))),
            "closed_at": stamp(NOON - timedelta(days=30)) if state == "closed" else None,
            "labels": labels,
            "milestone": None,
            "assignees": [TAM],
            "assignee": TAM,
            "author": TAM,
            "due_date": None,
            "web_url": f"https://gitlab.example.com/t/-/issues/{iid}",
            "user_notes_count": len(notes),
        }
        project.notes[iid] = []
        for days, author in notes:
            note_id += 1
            at = stamp(NOON - timedelta(days=days))
            project.notes[iid].append(
                {
                    "id": note_id,
                    "body": "Weekly update: called them.",
                    "author": author,
                    "created_at": at,
                    "updated_at": at,
                    "system": False,
                    "noteable_id": 1000 + iid,
                    "noteable_iid": iid,
                    "noteable_type": "Issue",
                }
            )
    return project


def salesforce_accounts() -> dict[str, dict[str, Any]]:
    records = {}
    for letter, name, score, confirmed, tam, renews, arr in ACCOUNTS:
        records[sf_id(letter)] = {
            "Id": sf_id(letter),
            "Name": name,
            "Health_Score__c": score,
            "Health_Score_Date__c": (
                None if confirmed is None else (TODAY - timedelta(days=confirmed)).isoformat()
            ),
            "Health_Score_Reasons__c": "https://docs.example.com/call-notes",
            "Next_Renewal_Date__c": (TODAY + timedelta(days=renews)).isoformat(),
            "ARR__c": arr,
            "Region__c": "EMEA",
            "Account_Owner__c": "Olga Owner",
            "TAM__c": tam,
            "LastModifiedDate": "2026-11-20T10:00:00.000+0000",
        }
    return records


@pytest.fixture
def agenda(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, isolated_credentials: None) -> Agenda:
    with (
        GitLabEmulator(gitlab_project(), token=TOKEN) as gitlab,
        SalesforceEmulator(salesforce_accounts()) as sf,
    ):
        monkeypatch.setenv("SALESFORCE_INSTANCE_URL", sf.url)
        monkeypatch.setenv("SALESFORCE_SESSION_ID", sf.session_id)
        settings = SalesforceSettings(instance_url=sf.url, ca_bundle=sf.ca_pem_path, timeout=10)
        service: TriageService = synced(gitlab, tmp_path, salesforce=settings, bots=("gitlab-bot",))
        assert len(service.accounts()) == len(ACCOUNTS)
        return service.agenda()


def test_new_at_risk(agenda: Agenda) -> None:
    assert [c.iid for c in agenda.new_issues] == [1, 8]


def test_missing_issues(agenda: Agenda) -> None:
    # Amber or Red in Salesforce with no open issue (Echo's issue is closed); Red first.
    assert [a.name for a in agenda.missing_issues] == ["Echo", "Oak", "Kilo"]


def test_mismatches(agenda: Agenda) -> None:
    assert [(m.card.iid, m.gitlab, m.salesforce) for m in agenda.mismatches] == [
        (2, "Amber", "Green"),
        (3, "Green", "Red"),
        (7, "Yellow", "Amber"),
    ]
    assert [c.iid for c in agenda.unmatched_issues] == [6]


def test_renewals_without_a_tam(agenda: Agenda) -> None:
    assert [a.name for a in agenda.renewals_without_tam] == ["Pine"]


def test_stale_scores(agenda: Agenda) -> None:
    # Every account, with an issue or not: never confirmed first, then the oldest.
    assert [a.name for a in agenda.stale_scores] == ["Mint", "Lark", "Dune"]


def test_silent_issues(agenda: Agenda) -> None:
    # Gale's last update is 10 days old; Iris (30 days old) was never updated; Jade's only
    # recent note is a bot's. Hush was opened 2 days ago: its first week is not over.
    assert [c.iid for c in agenda.silent_issues] == [7, 9, 10]
