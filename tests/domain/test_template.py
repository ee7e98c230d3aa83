"""The issue template: tolerant parsing of hand-edited descriptions, render/parse round trips."""

from __future__ import annotations

import time
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.domain.factories import FAST, THOROUGH, usernames
from triage_tui.domain.team import ROLE_ALIASES, Role, TriageTeam
from triage_tui.domain.template import (
    TEAM_HEADING,
    TemplateField,
    TemplateFields,
    is_url,
    parse_date,
    parse_description,
    render_description,
    render_team,
)

SF = "https://acme.my.salesforce.com/001A000001"
PLAN = "https://gitlab.example.com/cs/acme-success-plan"

MISSING = {f: f"{f.value} is missing" for f in TemplateField}

CANONICAL = f"""\
**Salesforce URL:** {SF}
**Customer Success Plan URL:** {PLAN}
**Contract Renewal Date:** 2027-03-31

**Reason for Health Score:**
Low user adoption: 12 of 400 seats.
Champion left in October.

### Triage team

- **Account Owner:** @ann
- **TAM:** @tim
- **TAM Leader:** @lee
- **CS Manager / Director:** —
- **Regional Sales Manager:** —
- **Solutions Architect:** @sam
- **Professional Services Engineer:** —
- **Executive Sponsor:** @tariq
- **Product Managers:** @pm1, @pm2
"""


def test_canonical_description() -> None:
    fields = parse_description(CANONICAL)
    assert fields.salesforce_url == SF
    assert fields.success_plan_url == PLAN
    assert fields.renewal_date == date(2027, 3, 31)
    assert fields.renewal_text == "2027-03-31"
    assert fields.reason == "Low user adoption: 12 of 400 seats.\nChampion left in October."
    assert fields.team.members == {
        Role.ACCOUNT_OWNER: ("ann",),
        Role.TAM: ("tim",),
        Role.TAM_LEADER: ("lee",),
        Role.SOLUTIONS_ARCHITECT: ("sam",),
        Role.EXECUTIVE_SPONSOR: ("tariq",),
        Role.PRODUCT_MANAGERS: ("pm1", "pm2"),
    }
    assert fields.problems == ()
    assert fields.extra == ""


def test_canonical_description_is_what_render_writes() -> None:
    assert render_description(parse_description(CANONICAL)) == CANONICAL


@pytest.mark.parametrize(
    "line",
    [
        f"**Salesforce URL:** {SF}",
        f"**Salesforce URL**: {SF}",
        f"**Salesforce URL** : {SF}",
        f"Salesforce URL: {SF}",
        f"salesforce url:{SF}",
        f"__Salesforce URL:__ {SF}",
        f"_Salesforce URL_: {SF}",
        f"- **Salesforce URL:** {SF}",
        f"* Salesforce URL: {SF}",
        f"+ Salesforce URL: {SF}",
        f"  - Salesforce URL: {SF}   ",
        f"### Salesforce URL: {SF}",
        f"**Salesforce URL** - {SF}",
        f"Salesforce URL — {SF}",
        f"Salesforce: {SF}",
        f"SFDC URL: {SF}",
        f"SFDC: {SF}",
        f"**Salesforce URL:** [Acme in Salesforce]({SF})",
        f"**Salesforce URL:** [{SF}]({SF})",
        f"**Salesforce URL:** <{SF}>",
        f"### Salesforce URL\n{SF}",
        f"**Salesforce URL:**\n\n{SF}",
        f"Salesforce URL\n  {SF}  ",
    ],
)
def test_hand_edited_salesforce_url(line: str) -> None:
    fields = parse_description(line)
    assert fields.salesforce_url == SF
    assert not any("Salesforce URL" in p for p in fields.problems)


@pytest.mark.parametrize(
    "text",
    [
        f"**Customer Success Plan URL:** {PLAN}",
        f"Customer Success Plan: {PLAN}",
        f"- Success plan URL: [plan]({PLAN})",
        f"## Success Plan\n{PLAN}",
    ],
)
def test_hand_edited_success_plan_url(text: str) -> None:
    fields = parse_description(text)
    assert fields.success_plan_url == PLAN
    assert not any("Customer Success Plan URL" in p for p in fields.problems)


@pytest.mark.parametrize(
    "value",
    [
        "2027-03-31",
        "2027/03/31",
        "31 Mar 2027",
        "31 March 2027",
        "Mar 31, 2027",
        "March 31, 2027",
        "Mar 31 2027",
        "March 31 2027",
        "**2027-03-31**",
        "`2027-03-31`",
        "  2027-03-31  ",
    ],
)
def test_renewal_date_forms(value: str) -> None:
    assert parse_date(value) == date(2027, 3, 31)
    fields = parse_description(f"**Contract Renewal Date:** {value}")
    assert fields.renewal_date == date(2027, 3, 31)
    assert not any("Contract Renewal Date" in p for p in fields.problems)


@pytest.mark.parametrize("key", ["Contract Renewal Date", "Renewal date", "Renewal", "RENEWAL"])
def test_renewal_date_key_spellings(key: str) -> None:
    assert parse_description(f"{key}: 2027-03-31").renewal_date == date(2027, 3, 31)


@pytest.mark.parametrize(
    "value", ["next spring", "2027-02-30", "2027-13-01", "31/03/2027", "Q1", "2027-03-31 or so"]
)
def test_garbled_renewal_date_is_reported_not_raised(value: str) -> None:
    assert parse_date(value) is None
    fields = parse_description(f"**Contract Renewal Date:** {value}")
    assert fields.renewal_date is None
    assert fields.renewal_text == value
    assert f"Contract Renewal Date is not a date: {value}" in fields.problems


def test_a_long_garbled_date_is_cut_in_the_problem() -> None:
    value = "x" * 100
    fields = parse_description(f"Renewal: {value}")
    assert f"Contract Renewal Date is not a date: {'x' * 40}" in fields.problems


@pytest.mark.parametrize(
    ("text", "is_a_url"),
    [
        ("https://example.com", True),
        ("http://example.com/a?b=c", True),
        ("  https://example.com/x  ", True),
        ("ftp://example.com", False),
        ("https://", False),
        ("example.com", False),
        ("https://exa mple.com", False),
        ("see Salesforce", False),
        ("http://[::1", False),  # urlsplit raises on this; is_url must not
        ("", False),
    ],
)
def test_is_url(text: str, is_a_url: bool) -> None:
    assert is_url(text) is is_a_url


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("see Salesforce", "Salesforce URL is not a URL"),
        ("acme.my.salesforce.com/001", "Salesforce URL is not a URL"),
        ("[Acme](not-a-url)", "Salesforce URL is not a URL"),
    ],
)
def test_salesforce_url_that_is_not_a_url(value: str, problem: str) -> None:
    fields = parse_description(f"Salesforce URL: {value}")
    assert problem in fields.problems


def test_empty_description_reports_every_field_missing() -> None:
    fields = parse_description("")
    assert fields == TemplateFields(problems=tuple(MISSING[f] for f in TemplateField))


def test_only_missing_fields_are_reported() -> None:
    fields = parse_description(f"Salesforce URL: {SF}\nRenewal: 2027-01-01\n")
    assert fields.problems == (
        MISSING[TemplateField.SUCCESS_PLAN_URL],
        MISSING[TemplateField.REASON],
    )


def test_a_field_with_an_empty_value_is_missing() -> None:
    fields = parse_description("**Salesforce URL:**\n**Customer Success Plan URL:** —\n")
    assert MISSING[TemplateField.SALESFORCE_URL] in fields.problems
    assert fields.salesforce_url == ""
    assert "Customer Success Plan URL is not a URL" in fields.problems


def test_reason_on_the_key_line_and_following_lines() -> None:
    fields = parse_description("Reason: Low adoption.\nNo champion.\n\nNPS -40.\n")
    assert fields.reason == "Low adoption.\nNo champion.\n\nNPS -40."


@pytest.mark.parametrize(
    "key",
    [
        "**Reason for Health Score:**",
        "Reason for Health Score:",
        "### Reason for Health Score",
        "Health score reason:",
        "Reason",
    ],
)
def test_reason_key_spellings(key: str) -> None:
    assert parse_description(f"{key}\nThey are cancelling.").reason == "They are cancelling."


def test_reason_ends_at_the_next_field_or_heading() -> None:
    text = "Reason:\nLow adoption.\n## Notes\nCall on Tuesday.\nRenewal: 2027-01-01"
    fields = parse_description(text)
    assert fields.reason == "Low adoption."
    assert fields.renewal_date == date(2027, 1, 1)
    assert fields.extra == "## Notes\nCall on Tuesday."


def test_role_words_inside_the_reason_stay_in_the_reason() -> None:
    fields = parse_description("Reason:\nTAM: on leave since May.\nOwner - unreachable.")
    assert fields.reason == "TAM: on leave since May.\nOwner - unreachable."
    assert not fields.team


@pytest.mark.parametrize(
    "heading",
    [
        "### Triage team",
        "## Triage Team",
        "# **Triage team**",
        "#### Triage team:",
        "### Triage team ###",
    ],
)
def test_team_heading_spellings(heading: str) -> None:
    fields = parse_description(f"{heading}\n- **TAM:** @tim\n")
    assert fields.team.people(Role.TAM) == ("tim",)


@pytest.mark.parametrize(
    ("line", "role", "people"),
    [
        ("- **Account Owner:** @ann", Role.ACCOUNT_OWNER, ("ann",)),
        ("Owner: @ann", Role.ACCOUNT_OWNER, ("ann",)),
        ("* Technical Account Manager: @tim", Role.TAM, ("tim",)),
        ("TAM Lead - @lee", Role.TAM_LEADER, ("lee",)),
        ("**CS Manager/Director**: @dir", Role.CS_LEADER, ("dir",)),
        ("Director of Customer Success: @dir", Role.CS_LEADER, ("dir",)),
        ("RSM: @rob", Role.REGIONAL_SALES_MANAGER, ("rob",)),
        ("SA: @sam", Role.SOLUTIONS_ARCHITECT, ("sam",)),
        ("PSE: @pat", Role.PS_ENGINEER, ("pat",)),
        ("Executive Sponsor: @tariq", Role.EXECUTIVE_SPONSOR, ("tariq",)),
        ("Product Manager(s): @pm1 and @pm2", Role.PRODUCT_MANAGERS, ("pm1", "pm2")),
        ("Product Manager: @pm1, @pm2", Role.PRODUCT_MANAGERS, ("pm1", "pm2")),
        ("TAM: @tim, @other", Role.TAM, ("tim",)),
    ],
)
def test_team_role_spellings(line: str, role: Role, people: tuple[str, ...]) -> None:
    team = parse_description(f"### Triage team\n\n{line}\n").team
    assert team.members == {role: people}


def test_team_section_with_blank_lines_and_dashes() -> None:
    text = "### Triage team\n\n- TAM: @tim\n\n\n- SA: —\n- Owner: n/a\n- Executive Sponsor: @ex\n"
    team = parse_description(text).team
    assert team.members == {Role.TAM: ("tim",), Role.EXECUTIVE_SPONSOR: ("ex",)}


def test_role_lines_outside_the_team_section_are_not_the_team() -> None:
    fields = parse_description("TAM: @tim\n\n### Triage team\n- Owner: @ann\n")
    assert fields.team.members == {Role.ACCOUNT_OWNER: ("ann",)}
    assert fields.extra == "TAM: @tim"


def test_a_field_after_the_team_section_ends_it() -> None:
    fields = parse_description("### Triage team\n- TAM: @tim\nReason: churn risk\nSA: @sam\n")
    assert fields.team.members == {Role.TAM: ("tim",)}
    assert fields.reason == "churn risk\nSA: @sam"


def test_text_outside_the_template_is_kept_as_extra() -> None:
    text = (
        "Opened after the QBR.\n\nSee the call notes.\n\n"
        + CANONICAL
        + "\nFollow-up: send the roadmap.\n\nAnd the pricing.\n"
    )
    fields = parse_description(text)
    # Before and after the template, paragraph breaks kept; the template's own spacing not.
    assert fields.extra == (
        "Opened after the QBR.\n\nSee the call notes.\n\n"
        "Follow-up: send the roadmap.\n\nAnd the pricing."
    )
    assert fields.salesforce_url == SF
    assert fields.team.people(Role.EXECUTIVE_SPONSOR) == ("tariq",)


def test_paragraphs_after_the_team_survive_a_re_render() -> None:
    fields = parse_description(CANONICAL + "\nFirst paragraph.\n\nSecond paragraph.\n")
    assert fields.extra == "First paragraph.\n\nSecond paragraph."
    assert parse_description(render_description(fields)) == fields


def test_render_team_lists_every_role_with_a_dash_for_nobody() -> None:
    team = TriageTeam.of([(Role.TAM, ["tim"]), (Role.PRODUCT_MANAGERS, ["a", "b"])])
    lines = render_team(team).splitlines()
    assert lines[0] == f"### {TEAM_HEADING}"
    assert lines[1] == ""
    assert lines[2:] == [
        f"- **{role.value}:** " + {Role.TAM: "@tim", Role.PRODUCT_MANAGERS: "@a, @b"}.get(role, "—")
        for role in Role
    ]


def test_render_writes_a_garbled_date_as_given() -> None:
    fields = TemplateFields(renewal_text="next spring")
    assert "**Contract Renewal Date:** next spring\n" in render_description(fields)


def test_render_keeps_extra_at_the_end() -> None:
    text = render_description(TemplateFields(extra="  P.S. call Bob.  "))
    assert text.endswith("\n\nP.S. call Bob.\n")


@pytest.mark.parametrize(
    "line",
    [
        "# a" + " " * 3000 + "x",
        "### Triage team" + " " * 3000 + "#x",
        "Reason" + " " * 3000 + "x",
        "Reason:" + " " * 3000 + "x",
        "Salesforce URL" + " \t" * 1500 + "-x",
        " " * 3000 + "1",
        "- " + " " * 3000 + "1",
        "**" + " " * 3000 + "1",
        "Salesforce URL: [" + "[" * 3000,
        "Salesforce URL: " + "(" * 3000,
        "Account Owner" + " " * 3000 + "x",
    ],
)
def test_pathological_lines_are_read_in_linear_time(line: str) -> None:
    # Descriptions come from anyone with access to the project; one odd line must not
    # freeze the sync or the detail pane (these took seconds to minutes with backtracking).
    text = f"{line}\n### Triage team\n{line}\n"
    started = time.perf_counter()
    parse_description(text)
    assert time.perf_counter() - started < 0.5


# --- Property tests -------------------------------------------------------------------------

FIELD_WORDS = {
    "salesforce url",
    "salesforce",
    "sfdc url",
    "sfdc",
    "customer success plan url",
    "customer success plan",
    "success plan url",
    "success plan",
    "contract renewal date",
    "renewal date",
    "renewal",
    "reason for health score",
    "health score reason",
    "reason",
}
# Prose with no Markdown markers, colons or dashes: whatever it says, it cannot be a field line.
PROSE = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 \t.,!?()'&/%$;éü中文😀"


def _prose_line(*, reserved: set[str]) -> st.SearchStrategy[str]:
    return st.text(alphabet=PROSE, max_size=40).filter(
        lambda line: line.strip().lower() not in reserved
    )


def _paragraphs(*, reserved: set[str]) -> st.SearchStrategy[str]:
    return st.lists(_prose_line(reserved=reserved), max_size=6).map(
        lambda lines: "\n".join(lines).strip()
    )


REASONS = _paragraphs(reserved=FIELD_WORDS).filter(bool)
# Text after the team section must not read as a role line either.
EXTRAS = _paragraphs(reserved=FIELD_WORDS | set(ROLE_ALIASES))

LOWER = "abcdefghijklmnopqrstuvwxyz"
HOSTS = st.lists(st.text(LOWER + "0123456789", min_size=1, max_size=8), min_size=2, max_size=3).map(
    ".".join
)
PATHS = st.text(LOWER + "ABCXYZ0123456789/._~%!$&'*+,;=:@?-", max_size=30).map(lambda p: "/" + p)
URLS = st.builds(
    lambda scheme, host, path: f"{scheme}://{host}{path}",
    st.sampled_from(["http", "https"]),
    HOSTS,
    PATHS,
)
USERNAMES = usernames()
TEAMS = st.dictionaries(
    st.sampled_from(list(Role)), st.lists(USERNAMES, min_size=1, max_size=3)
).map(lambda members: TriageTeam.of(members.items()))


@st.composite
def complete_fields(draw: st.DrawFn) -> TemplateFields:
    renewal = draw(st.dates())
    return TemplateFields(
        salesforce_url=draw(URLS),
        success_plan_url=draw(URLS),
        renewal_date=renewal,
        renewal_text=renewal.isoformat(),
        reason=draw(REASONS),
        team=draw(TEAMS),
        extra=draw(EXTRAS),
    )


@THOROUGH
@given(complete_fields())
def test_render_then_parse_gives_the_same_fields(fields: TemplateFields) -> None:
    assert parse_description(render_description(fields)) == fields


@st.composite
def partial_fields(draw: st.DrawFn) -> TemplateFields:
    renewal = draw(st.none() | st.dates())
    return TemplateFields(
        salesforce_url=draw(st.just("") | st.just("see Salesforce") | URLS),
        success_plan_url=draw(st.just("") | st.just("TBD") | URLS),
        renewal_date=renewal,
        renewal_text=renewal.isoformat()
        if renewal
        else draw(st.sampled_from(["", "next spring", "2027-02-30", "31/03/2027"])),
        reason=draw(st.just("") | REASONS),
        team=draw(TEAMS),
        extra=draw(EXTRAS),
    )


@FAST
@given(partial_fields())
def test_missing_and_garbled_fields_are_reported_and_stable(fields: TemplateFields) -> None:
    once = parse_description(render_description(fields))
    assert parse_description(render_description(once)) == once
    assert (MISSING[TemplateField.SALESFORCE_URL] in once.problems) == (not fields.salesforce_url)
    assert (MISSING[TemplateField.SUCCESS_PLAN_URL] in once.problems) == (
        not fields.success_plan_url
    )
    assert (MISSING[TemplateField.RENEWAL_DATE] in once.problems) == (not fields.renewal_text)
    assert (MISSING[TemplateField.REASON] in once.problems) == (not fields.reason)
    assert ("Salesforce URL is not a URL" in once.problems) == (
        fields.salesforce_url == "see Salesforce"
    )
    assert once.renewal_date == fields.renewal_date
    assert once.renewal_text == fields.renewal_text
    assert once.reason == fields.reason
    assert once.team == fields.team
    assert once.extra == fields.extra


@THOROUGH
@given(st.text())
def test_parse_never_raises_on_any_text(text: str) -> None:
    fields = parse_description(text)
    assert isinstance(fields, TemplateFields)
    assert all(isinstance(p, str) for p in fields.problems)


FRAGMENTS = st.sampled_from(
    [
        "**Salesforce URL:**",
        "Salesforce URL: [x](",
        "Salesforce URL: <>",
        "Customer Success Plan: []()",
        "Renewal:",
        "Renewal: 2027-02-30",
        "Renewal: 9999-12-31",
        "Reason",
        "Reason - ",
        "### Triage team",
        "## Triage team ##",
        "- **TAM:** @",
        "- **TAM:** @@@",
        "Product Managers: _ __ ** ` @_ @-",
        "Owner: —",
        "#",
        "######## ",
        "   ",
        "",
        "\t",
        "**",
        "__x__ - ",
        "[a](b)",
        "\u2028",
        "\r",
    ]
)


@FAST
@given(st.lists(FRAGMENTS | st.text(max_size=12), max_size=20).map("\n".join))
def test_parse_never_raises_on_template_like_text(text: str) -> None:
    fields = parse_description(text)
    render_description(fields)
    assert (MISSING[TemplateField.SALESFORCE_URL] in fields.problems) == (not fields.salesforce_url)
    assert (MISSING[TemplateField.SUCCESS_PLAN_URL] in fields.problems) == (
        not fields.success_plan_url
    )
    assert (MISSING[TemplateField.RENEWAL_DATE] in fields.problems) == (not fields.renewal_text)
    assert (MISSING[TemplateField.REASON] in fields.problems) == (not fields.reason)
    if fields.renewal_date is not None:
        assert parse_date(fields.renewal_text) == fields.renewal_date
    for role, people in fields.team.members.items():
        assert people
        assert role.allows_several or len(people) == 1
