"""Built-in demo data: a realistic Account Triage project in GitLab's own JSON shapes.

The same payloads seed the demo cache (through the sync's mapping, so demo data
takes the ingestion path real data takes) and the GitLab emulator the tests use.
Deterministic for a given seed and `today`.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from triage_tui.domain.health import Health
from triage_tui.domain.labels import NEW_LABEL, ChurnClass, Region, read_labels
from triage_tui.domain.milestone import milestone_title, quarter_bounds
from triage_tui.domain.records import LabelEvent
from triage_tui.domain.team import Role, TriageTeam
from triage_tui.domain.template import TemplateFields, parse_description, render_description

JSON = dict[str, Any]

BASE_URL = "https://gitlab.example.com"
PROJECT_PATH = "customer-success/account-triage"

_PREFIXES = (
    "Acme",
    "Globex",
    "Initech",
    "Umbrella",
    "Hooli",
    "Vandelay",
    "Stark",
    "Wayne",
    "Tyrell",
    "Cyberdyne",
    "Soylent",
    "Wonka",
    "Gringotts",
    "Oscorp",
    "Aperture",
    "Black Mesa",
    "Monarch",
    "Pied Piper",
    "Massive Dynamic",
    "Nakatomi",
    "Dunder Mifflin",
    "Sterling Cooper",
    "Prestige",
    "Blue Sun",
    "Weyland",
    "Genco",
    "Virtucon",
    "Zorg",
    "Ollivander",
    "Krusty",
    "Abstergo",
    "Duff",
    "Nordlicht",
    "Sakura",
    "Andes",
    "Kiwi",
    "Baobab",
    "Fjord",
    "Sahara",
    "Pampas",
)
_SUFFIXES = ("Corp", "Inc", "GmbH", "Ltd", "Holdings", "Labs", "Group", "AG", "S.A.", "KK", "Pty")
# Hostile and awkward titles: markup, escape sequences, wide text, very long text.
AWKWARD_TITLES = (
    "[@click=app.quit]x[/]",
    "[bold red]Markup[/] Industries",
    "\x1b[31mEscape\x1b[0m \x1b]0;pwned\x07Sequences Ltd",
    "株式会社サンプル・トレーディング",
    "Ünïcödé Wïdgets 🚀🚀 GmbH",
    "A" * 300,
    "\u202eevil bidi\u202c Holdings",
)
_PEOPLE = (
    ("alice", "Alice Alvarez"),
    ("bob", "Bob Brown"),
    ("chen", "Chen Wei"),
    ("dana", "Dana Dimitrova"),
    ("emeka", "Emeka Eze"),
    ("fatima", "Fatima Farouk"),
    ("gustav", "Gustav Gran"),
    ("hana", "Hana Hayashi"),
    ("ivan", "Ivan Ivanov"),
    ("jo", "Jo Jones"),
    ("kavya", "Kavya Krishnan"),
    ("liam", "Liam Lopez"),
    ("mei", "Mei Mori"),
    ("nora", "Nora Nilsen"),
    ("omar", "Omar Osei"),
    ("priya", "Priya Patel"),
    ("quinn", "Quinn Quade"),
    ("rosa", "Rosa Ruiz"),
    ("sam", "Sam Smith"),
    ("tariq", "Tariq Tahir"),
)
_TAMS = ("bob", "chen", "dana", "emeka", "hana", "kavya", "liam", "mei")
_LEADERS = ("fatima", "gustav")
_OWNERS = ("alice", "ivan", "jo", "nora", "omar", "priya", "rosa", "sam")
_SPONSORS = ("quinn", "tariq")
_REASONS: dict[Health, tuple[str, ...]] = {
    Health.RED: (
        "Told us at the QBR they are moving to a competitor at renewal.",
        "No response to four emails and two missed cadence calls; exec sponsor left.",
        "Downgrading to the free tier; budget cut after acquisition.",
    ),
    Health.AMBER: (
        "Adoption at 30% of seats; champion moved to another team.",
        "Two major releases behind and 18 tickets last month.",
        "Complaints about feature turnaround on the roadmap call.",
    ),
    Health.YELLOW: (
        "Only one stakeholder; use cases still vague.",
        "One release behind; occasionally late to cadence calls.",
    ),
    Health.GREEN: (
        "Back on track: adoption up, EBR went well.",
        "Renewed intent confirmed by the sponsor.",
    ),
}
_UPDATES = (
    "Steps taken: held adoption workshop with 12 users.\nCustomer response: positive.\n"
    "Next step: follow-up EBR (owner @{tam}).\nHealth now: {health}",
    "Steps taken: escalated open tickets to support lead.\nCustomer response: waiting.\n"
    "Next step: weekly check-in (owner @{tam}).\nHealth now: {health}",
    "Steps taken: **exec alignment call** with sponsor.\nNext step: send success plan draft.",
)


@dataclass(frozen=True)
class LabelStep:
    """An issue's labels changing from `before` to `after` at `at`, by `user`: its
    opening (from no labels) or a later move between health colours."""

    at: datetime
    iid: int
    before: tuple[str, ...]
    after: tuple[str, ...]
    user: JSON


@dataclass
class DemoProject:
    """A project in GitLab's JSON shapes."""

    issues: list[JSON] = field(default_factory=list)
    notes: dict[int, list[JSON]] = field(default_factory=dict)
    labels: list[JSON] = field(default_factory=list)
    milestones: list[JSON] = field(default_factory=list)
    members: list[JSON] = field(default_factory=list)
    steps: list[LabelStep] = field(default_factory=list)
    """How every issue's labels came to be, oldest first: what GitLab's resource label
    events say (the emulator serves them; the demo cache's health history is read from
    them)."""

    def label_events(self) -> Iterator[LabelEvent]:
        """The steps as label events, one per label removed or added, as GitLab records
        them (ids in time order)."""
        ident = 700_000
        for step in self.steps:
            author = str(step.user["username"])
            removed = [(name, False) for name in step.before if name not in step.after]
            added = [(name, True) for name in step.after if name not in step.before]
            for name, is_add in removed + added:
                ident += 1
                yield LabelEvent(ident, step.iid, step.at, author, name, is_add)


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _user(index: int) -> JSON:
    username, name = _PEOPLE[index]
    return {
        "id": 100 + index,
        "username": username,
        "name": name,
        "state": "active",
        "avatar_url": None,
        "web_url": f"{BASE_URL}/{username}",
    }


_USERS = {username: _user(i) for i, (username, _) in enumerate(_PEOPLE)}


def _labels() -> list[JSON]:
    colours = {
        Health.RED: "#e5484d",
        Health.AMBER: "#f5a524",
        Health.YELLOW: "#f5d90a",
        Health.GREEN: "#30a46c",
    }
    rows = [
        {"id": i + 1, "name": h.label, "color": colours[h], "description": f"Health: {h.label}"}
        for i, h in enumerate(Health)
    ]
    rows += [
        {"id": 10 + i, "name": r.label, "color": "#6e56cf", "description": "Region"}
        for i, r in enumerate(Region)
    ]
    rows += [
        {"id": 20 + i, "name": c.label, "color": "#8e4ec6", "description": "Churn class"}
        for i, c in enumerate(ChurnClass)
    ]
    rows.append({"id": 30, "name": NEW_LABEL, "color": "#0091ff", "description": "Needs review"})
    return rows


def _milestones(today: date) -> list[JSON]:
    rows = []
    day = date(today.year, ((today.month - 1) // 3) * 3 + 1, 1)
    for index in range(6):
        start, end = quarter_bounds(day)
        rows.append(
            {
                "id": 500 + index,
                "iid": index + 1,
                "title": milestone_title(day),
                "state": "active",
                "start_date": start.isoformat(),
                "due_date": end.isoformat(),
                "description": "",
            }
        )
        day = end + timedelta(days=1)
    return rows


def _account_names(count: int) -> Iterator[str]:
    for index in range(count):
        prefix = _PREFIXES[index % len(_PREFIXES)]
        suffix = _SUFFIXES[(index // len(_PREFIXES)) % len(_SUFFIXES)]
        round_ = index // (len(_PREFIXES) * len(_SUFFIXES))
        yield f"{prefix} {suffix}" + (f" {round_ + 1}" if round_ else "")


def generate(today: date, count: int = 300, seed: int = 7) -> DemoProject:
    """A project of `count` triage issues spread over colours, regions and renewal dates."""
    rng = random.Random(seed)
    now = datetime.combine(today, time(12, 0), tzinfo=UTC)
    project = DemoProject(
        labels=_labels(), milestones=_milestones(today), members=list(_USERS.values())
    )
    note_id = 1_000_000
    names = list(_account_names(count))
    for index, plain_name in enumerate(names):
        iid = index + 1
        awkward = index < len(AWKWARD_TITLES) and count >= 50
        name = AWKWARD_TITLES[index] if awkward else plain_name
        health = rng.choices(list(Health), weights=(2, 3, 4, 3))[0]
        region = rng.choice(list(Region))
        renewal = today + timedelta(days=rng.randint(-20, 380))
        if awkward:
            # The hostile titles stay (the demo shows the board draws them as text), but
            # below the cards a first-time user reads first: a column puts ~New and the
            # nearest renewals on top, so these renew late and are not ~New (below).
            renewal = today + timedelta(days=340 + index)
        tam, leader = rng.choice(_TAMS), rng.choice(_LEADERS)
        team = TriageTeam.of(
            [
                (Role.ACCOUNT_OWNER, [rng.choice(_OWNERS)]),
                (Role.TAM, [] if rng.random() < 0.06 else [tam]),
                (
                    Role.TAM_LEADER,
                    [] if (health is Health.RED and rng.random() < 0.2) else [leader],
                ),
                (Role.EXECUTIVE_SPONSOR, [rng.choice(_SPONSORS)] if rng.random() < 0.85 else []),
                (Role.PRODUCT_MANAGERS, ["mei", "jo"] if rng.random() < 0.1 else []),
            ]
        )
        fields = TemplateFields(
            salesforce_url=f"https://example.my.salesforce.com/001{iid:012d}AAA",
            success_plan_url=f"{BASE_URL}/customer-success/plans/{iid}",
            renewal_date=renewal,
            reason=rng.choice(_REASONS[health]),
            team=team,
        )
        description = render_description(fields)
        if index == 7 and count >= 50:
            description += "\n" + ("Very long pasted call transcript. " * 31_000)  # ~1 MB
        labels = [health.label, region.label]
        created = now - timedelta(days=rng.randint(1, 200), hours=rng.randint(0, 23))
        # (Drawn for every issue, so the other issues come out as before.)
        is_new = created > now - timedelta(days=10) or rng.random() < 0.12
        if is_new and not awkward:
            labels.append(NEW_LABEL)
        if health is Health.RED:
            labels.append(rng.choice(list(ChurnClass)).label)
        state = "opened"
        closed_at = None
        if health in (Health.GREEN, Health.YELLOW) and rng.random() < 0.35:
            state, closed_at = "closed", _stamp(created + timedelta(days=rng.randint(1, 30)))
        if index % 97 == 13:
            labels.remove(health.label)  # forgot the health label
        elif index % 131 == 17:
            labels.append(Health.GREEN.label if health is not Health.GREEN else Health.RED.label)
        updates: list[JSON] = []
        note_times: list[datetime] = []
        for _ in range(rng.choice((0, 1, 2, 3, 4))):
            note_id += 1
            at = now - timedelta(
                days=rng.choice((0, 1, 2, 3, 5, 6, 9, 12, 20)), hours=rng.randint(0, 9)
            )
            note_times.append(at)
            updates.append(
                {
                    "id": note_id,
                    "body": rng.choice(_UPDATES).format(tam=tam, health=health.label),
                    "author": _USERS[tam],
                    "created_at": _stamp(at),
                    "updated_at": _stamp(at),
                    "system": False,
                    "noteable_id": 10_000 + iid,
                    "noteable_iid": iid,
                    "noteable_type": "Issue",
                }
            )
        note_id += 1
        updates.append(
            {
                "id": note_id,
                "body": f"added ~{health.label} label",
                "author": _USERS[tam],
                "created_at": _stamp(created),
                "updated_at": _stamp(created),
                "system": True,
                "noteable_id": 10_000 + iid,
                "noteable_iid": iid,
                "noteable_type": "Issue",
            }
        )
        updated = max([created, *note_times])
        milestone = next(
            (m for m in project.milestones if m["title"] == milestone_title(renewal)), None
        )
        project.issues.append(
            {
                "id": 10_000 + iid,
                "iid": iid,
                "project_id": 42,
                "title": name,
                "description": description,
                "state": state,
                "created_at": _stamp(created),
                "updated_at": _stamp(updated),
                "closed_at": closed_at,
                "labels": labels,
                "milestone": milestone,
                "assignees": [_USERS[p] for p in team.everyone],
                "assignee": _USERS[team.everyone[0]] if team.everyone else None,
                "author": _USERS[tam],
                "due_date": (today + timedelta(days=rng.randint(1, 30))).isoformat()
                if rng.random() < 0.5
                else None,
                "web_url": f"{BASE_URL}/{PROJECT_PATH}/-/issues/{iid}",
                "user_notes_count": len(updates),
            }
        )
        project.notes[iid] = updates
        project.steps.extend(_history(iid, labels, (created, updated), _USERS[tam], seed=seed))
    project.steps.sort(key=lambda step: (step.at, step.iid))
    return project


def _history(
    iid: int, labels: list[str], span: tuple[datetime, datetime], user: JSON, *, seed: int
) -> list[LabelStep]:
    """How the issue's labels came to be: opened with them, or (for most issues with one
    health label) opened at another colour and moved once to three times since, all within
    `span` (its creation to its last update). Its own random stream: the rest of the demo
    comes out as before."""
    rng = random.Random(f"{seed}-history-{iid}")
    created, updated = span
    colours = [h for h in (Health.parse(label) for label in labels) if h is not None]
    span_days = (updated - created).days
    moves = rng.choice((0, 1, 1, 2, 2, 3)) if len(colours) == 1 and span_days >= 4 else 0
    path = [colours[0]] if colours else []
    for _ in range(moves):  # back from today's colour, mostly one step at a time
        near = [h for h in Health if abs(int(h) - int(path[0])) == 1]
        path.insert(0, rng.choice(near if rng.random() < 0.8 else list(Health)))
    path = [h for i, h in enumerate(path) if i == 0 or h is not path[i - 1]]
    days = sorted(rng.sample(range(1, span_days), len(path) - 1)) if len(path) > 1 else []
    moments = [created] + [created + timedelta(days=d, hours=rng.randint(0, 6)) for d in days]
    rest = tuple(label for label in labels if Health.parse(label) is None)
    steps: list[LabelStep] = []
    before: tuple[str, ...] = ()
    for index, moment in enumerate(moments):  # (one moment per colour of the path)
        last = index == len(moments) - 1
        after = tuple(labels) if last else (path[index].label, *rest)
        steps.append(LabelStep(moment, iid, before, after, user))
        before = after
    return steps


def _sf_stamp(moment: datetime) -> str:
    """Salesforce's datetime format: "2026-11-24T12:00:00.000+0000"."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000")


_EXTRA_AT_RISK = (
    "Northwind Traders",
    "Contoso Pharmaceuticals",
    "Fabrikam Robotics",
    "Tailspin Toys",
    "Adventure Works Cycles",
    "Litware Systems",
    "Proseware Analytics",
    "Wide World Importers",
    "Coho Winery",
    "Fourth Coffee",
)
_EXTRA_UNCOVERED = (
    "Alpine Ski House",
    "Margie's Travel",
    "Lucerne Publishing",
    "Trey Research",
    "Woodgrove Bank",
    "Graphic Design Institute",
)


def demo_account_id(iid: int) -> str:
    """The account behind demo issue `iid` (its description links to this id)."""
    return f"001{iid:012d}AAA"


def salesforce_accounts(project: DemoProject, today: date, seed: int = 11) -> list[JSON]:
    """Salesforce Account records (REST JSON, default field names) for a demo project,
    one per issue's Salesforce URL, with the differences the weekly ER call is for:
    about 8% whose health differs from the issue's label, ten Amber/Red accounts without
    an issue, large accounts (ARR > 500k) with no TAM renewing within 90 days, and health
    dates older than 35 days (stale). Deterministic for a seed."""
    rng = random.Random(seed)
    demo = project
    names = {m["username"]: m["name"] for m in demo.members}
    records: list[JSON] = []
    noon = datetime.combine(today, datetime.min.time(), tzinfo=UTC) + timedelta(hours=12)

    def account(account_id: str, name: str, health: Health, **values: Any) -> JSON:
        stale = rng.random() < 0.1
        return {
            "Id": account_id,
            "Name": name,
            "Health_Score__c": health.label,
            "Health_Score_Date__c": (
                today - timedelta(days=rng.randint(36, 120) if stale else rng.randint(0, 30))
            ).isoformat(),
            "Health_Score_Reasons__c": "",
            "Next_Renewal_Date__c": (today + timedelta(days=rng.randint(-20, 380))).isoformat(),
            "ARR__c": float(round(rng.lognormvariate(11.8, 0.9), -2)),
            "Region__c": rng.choice(list(Region)).label,
            "Account_Owner__c": names.get(rng.choice(sorted(names)), ""),
            "TAM__c": "",
            "LastModifiedDate": _sf_stamp(
                noon - timedelta(days=rng.randint(0, 60), minutes=rng.randint(0, 600))
            ),
            **values,
        }

    for issue in demo.issues:
        reading = read_labels(issue["labels"])
        fields = parse_description(issue["description"])
        health = (
            reading.health
            if reading.health is not None
            else (reading.healths[0] if reading.healths else Health.YELLOW)
        )
        if rng.random() < 0.08:  # Salesforce moved on and the label did not follow
            health = rng.choice([h for h in Health if h is not health])
        owner = fields.team.first(Role.ACCOUNT_OWNER) or ""
        tam = fields.team.first(Role.TAM) or ""
        renewal = fields.renewal_date
        if renewal is None:
            renewal = today + timedelta(days=rng.randint(0, 365))
        values: JSON = {
            "Health_Score_Reasons__c": fields.reason,
            "Next_Renewal_Date__c": renewal.isoformat(),
            "Account_Owner__c": names.get(owner, owner),
            "TAM__c": tam,
        }
        if reading.region is not None:
            values["Region__c"] = reading.region.label
        if not tam and (renewal - today).days <= 90:
            values["ARR__c"] = float(rng.randrange(520_000, 2_400_000, 1_000))
        records.append(account(demo_account_id(issue["iid"]), issue["title"], health, **values))
    for index, name in enumerate(_EXTRA_AT_RISK):  # at risk in Salesforce, no issue yet
        health = Health.RED if index % 3 == 0 else Health.AMBER
        records.append(
            account(
                f"001{900_000_000_000 + index:012d}AAA",
                name,
                health,
                Health_Score_Reasons__c="Flagged on the last customer call; no triage issue yet.",
                TAM__c=rng.choice(("bob", "chen", "dana", "emeka")),
            )
        )
    for index, name in enumerate(_EXTRA_UNCOVERED):  # large, no TAM, renewing within 90 days
        records.append(
            account(
                f"001{910_000_000_000 + index:012d}AAA",
                name,
                rng.choice((Health.GREEN, Health.YELLOW)),
                ARR__c=float(rng.randrange(520_000, 3_000_000, 1_000)),
                Next_Renewal_Date__c=(today + timedelta(days=rng.randint(5, 85))).isoformat(),
            )
        )
    return records
