"""An org that spells the triage labels its own way (`[labels]`), end to end against the
GitLab emulator with the real python-gitlab client: the project's labels are
`health::red`, `triage::new`, `region::emea`...; the board shows and edits its own words,
and GitLab only ever sees (and gets) the org's names."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.conftest import TODAY, TOKEN
from tests.emulated import synced
from triage_emulators.gitlab import GitLabEmulator
from triage_tui.config import Settings
from triage_tui.domain.board import BoardKind, Column, build_board
from triage_tui.domain.health import AT_RISK_FIRST, Health
from triage_tui.domain.labels import NEW_LABEL, ChurnClass, Region
from triage_tui.domain.new_issue import NewIssueForm
from triage_tui.domain.vocabulary import LabelVocabulary
from triage_tui.services import checks

TABLE = {
    **{h.label: f"health::{h.label.lower()}" for h in Health},
    NEW_LABEL: "triage::new",
    **{r.label: f"region::{r.label.lower()}" for r in Region},
    "E&A": "churn::expected-avoidable",
    "E&U": "churn::expected-unavoidable",
    "U&A": "churn::unexpected-avoidable",
    "U&U": "churn::unexpected-unavoidable",
}
VOCABULARY = LabelVocabulary.from_table(TABLE)
AMBER = Column("Amber", "Amber", (), health=Health.AMBER)


def org_names(labels: list[str]) -> list[str]:
    return [TABLE.get(name, name) for name in labels]


@pytest.fixture
def org_emu() -> Iterator[GitLabEmulator]:
    """The demo project with every triage label renamed to the org's spelling."""
    with GitLabEmulator.from_demo(TODAY, count=120, token=TOKEN) as emulator:
        emulator.clock = lambda: datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
        for label in emulator.project.labels:
            label["name"] = TABLE.get(label["name"], label["name"])
        for issue in emulator.project.issues.values():
            issue["labels"] = org_names(issue["labels"])
        yield emulator


def label_names(emu: GitLabEmulator) -> set[str]:
    return {label["name"] for label in emu.project.labels}


def open_with(emu: GitLabEmulator, label: str, without: str = "") -> int:
    return next(
        iid
        for iid, issue in sorted(emu.project.issues.items())
        if label in issue["labels"]
        and without not in issue["labels"]
        and issue["state"] == "opened"
    )


def test_the_project_is_spelt_the_orgs_way(org_emu: GitLabEmulator) -> None:
    names = label_names(org_emu)
    assert {"health::red", "health::green", "triage::new", "region::emea"} <= names
    assert not names & {"Red", "Amber", "Yellow", "Green", "New", "EMEA", "E&A"}


def test_a_sync_puts_every_card_in_its_column(org_emu: GitLabEmulator, tmp_path: Path) -> None:
    service = synced(org_emu, tmp_path, labels=VOCABULARY)
    cards = service.cards()
    board = build_board(cards, BoardKind.COLOURS)
    columns = {c.health: len(c.cards) for c in board.columns if c.health is not None}
    for health in AT_RISK_FIRST:  # Green included
        expected = sum(
            1
            for issue in org_emu.project.issues.values()
            if issue["state"] == "opened"
            and issue["labels"].count(f"health::{health.label.lower()}")
            and sum(n.startswith("health::") for n in issue["labels"]) == 1
        )
        assert columns[health] == expected > 0, health
    regions = build_board(cards, BoardKind.REGION)
    emea = next(c for c in regions.columns if c.region is Region.EMEA)
    assert len(emea.cards) > 0
    # The board holds its own words only: nothing to show it the org's spelling.
    every = {name for card in cards for name in card.summary.labels}
    assert {"Red", "Green", "New", "EMEA"} <= every
    assert not {n for n in every if "::" in n}
    assert any(card.reading.is_new for card in cards)
    assert any(card.reading.churn for card in cards)
    # The project's label list is by the board's words too (the label picker's).
    assert {"Red", "Amber", "Yellow", "Green", "New", "EMEA"} <= {x.name for x in service.labels()}


def test_a_move_sends_the_orgs_labels(org_emu: GitLabEmulator, tmp_path: Path) -> None:
    service = synced(org_emu, tmp_path, labels=VOCABULARY)
    iid = open_with(org_emu, "health::red")
    service.move(service.plan_move(iid, BoardKind.COLOURS, AMBER), "Champion is back.", ())
    report = service.push()
    assert report.ok and report.pushed == 1, report
    labels = org_emu.issue(iid)["labels"]
    assert "health::amber" in labels and "health::red" not in labels
    assert "Amber" not in labels and "Amber" not in label_names(org_emu)  # none created
    sent = [body for method, at, body in org_emu.writes if at == iid and method == "PUT"]
    assert sent and "health::amber" in sent[-1]["add_labels"]
    assert "health::red" in sent[-1]["remove_labels"]
    # And the board reads it back as Amber, after a pull too.
    assert service.sync().ok
    card = next(c for c in service.cards() if c.iid == iid)
    assert card.health is Health.AMBER and card.summary.pending_edits == 0


def test_reviewing_removes_the_orgs_new_label(org_emu: GitLabEmulator, tmp_path: Path) -> None:
    service = synced(org_emu, tmp_path, labels=VOCABULARY)
    iid = open_with(org_emu, "triage::new")
    assert service.toggle_reviewed(iid)
    assert service.push().pushed == 1
    labels = org_emu.issue(iid)["labels"]
    assert "triage::new" not in labels and "New" not in labels
    assert "New" not in label_names(org_emu)
    card = next(c for c in service.cards() if c.iid == iid)
    assert not card.reading.is_new


def test_a_new_issue_is_created_with_the_orgs_labels(
    org_emu: GitLabEmulator, tmp_path: Path
) -> None:
    service = synced(org_emu, tmp_path, labels=VOCABULARY)
    before = set(org_emu.project.issues)
    form = NewIssueForm(
        account="Acme Vocabulary",
        salesforce_url="https://acme.my.salesforce.com/001000000000001AAA",
        success_plan_url="https://gitlab.example.com/plans/1",
        renewal_date="2027-03-31",
        reason="Told us they are cancelling.",
        health="Red",
        region="EMEA",
        churn="E&A",
        leader_role="TAM Leader",
        leader=org_emu.project.members[0]["username"],
    )
    service.new_issue(form)
    report = service.push()
    assert report.ok and report.pushed == 1, report
    (created,) = set(org_emu.project.issues) - before
    labels = org_emu.issue(created)["labels"]
    assert {"health::red", "triage::new", "region::emea", "churn::expected-avoidable"} <= set(
        labels
    )
    names = label_names(org_emu)
    assert not names & {"Red", "New", "EMEA", "E&A"}
    card = next(c for c in service.cards() if c.iid == created)
    assert card.health is Health.RED and card.reading.is_new
    assert card.reading.region is Region.EMEA and card.reading.churn == (
        ChurnClass.EXPECTED_AVOIDABLE,
    )


def test_without_the_table_the_board_would_write_the_handbooks_names(
    org_emu: GitLabEmulator, tmp_path: Path
) -> None:
    """What the table is for: with no [labels], health::red still reads as Red (Health.parse
    knows the prefix) but a move writes "Amber", a label the org does not use."""
    service = synced(org_emu, tmp_path)
    iid = open_with(org_emu, "health::red")
    service.move(service.plan_move(iid, BoardKind.COLOURS, AMBER), "Champion is back.", ())
    service.push()
    assert "Amber" in org_emu.issue(iid)["labels"]


def test_config_check_finds_the_orgs_labels(org_emu: GitLabEmulator) -> None:
    settings = Settings(gitlab_url=org_emu.url, project=org_emu.project.path, labels=VOCABULARY)
    lines = list(checks.gitlab(settings))
    assert "ok: all 14 triage labels exist (14 by your org's names)" in lines, lines
    assert not [line for line in lines if checks.is_problem(line)]


def test_config_check_names_a_mapped_label_the_project_lacks(org_emu: GitLabEmulator) -> None:
    typo = LabelVocabulary.from_table({**TABLE, "Red": "Health::Red", "APAC": "region::asia"})
    settings = Settings(gitlab_url=org_emu.url, project=org_emu.project.path, labels=typo)
    problems = [line for line in checks.gitlab(settings) if checks.is_problem(line)]
    assert problems == [
        "problem: [labels] names 'Health::Red', which the project has no label for (it has "
        "'health::red': spell it so in [labels]); fix the name in the config, or create the "
        "label in Manage > Labels",
        "problem: [labels] names 'region::asia', which the project has no label for; fix the "
        "name in the config, or create the label in Manage > Labels",
    ]


def test_config_check_without_the_table_suggests_it(org_emu: GitLabEmulator) -> None:
    settings = Settings(gitlab_url=org_emu.url, project=org_emu.project.path)
    problems = [line for line in checks.gitlab(settings) if checks.is_problem(line)]
    assert len(problems) == 1
    assert "map them in the config's [labels] table" in problems[0]
    assert 'Red = "health::red"' in problems[0] and 'EMEA = "region::emea"' in problems[0]


def test_identity_settings_are_the_default() -> None:
    assert Settings().labels.is_identity
    assert replace(Settings(), labels=VOCABULARY).labels.to_org("Red") == "health::red"


def test_a_new_table_is_read_afresh(org_emu: GitLabEmulator, tmp_path: Path) -> None:
    """A cache synced before the table was set holds `triage::new` as a plain label: the
    first sync with the table reads every issue again, not only those edited since."""
    before = synced(org_emu, tmp_path)
    iid = open_with(org_emu, "triage::new")
    assert not next(c for c in before.cards() if c.iid == iid).reading.is_new
    before.close()
    after = synced(org_emu, tmp_path, labels=VOCABULARY)
    assert next(c for c in after.cards() if c.iid == iid).reading.is_new
    again = after.sync()
    assert again.ok and not again.full  # the same table: incremental again
