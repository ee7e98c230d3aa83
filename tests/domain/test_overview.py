"""The overview's counts, checked against the labels each card was made with (not
against LabelReading, which the overview uses): every colour, none and two, every
region, open and closed, ARR known and not."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import TODAY
from tests.domain.factories import FAST, summary
from triage_tui.domain.accounts import AccountScore
from triage_tui.domain.health import Health
from triage_tui.domain.issue import Card, make_card
from triage_tui.domain.labels import Region
from triage_tui.domain.overview import (
    HEALTHS,
    LATER,
    NO_DATE,
    PAST_DUE,
    REGIONS,
    money,
    overview,
    quarter_labels,
)

COLOURS = ["Red", "Amber", "Yellow", "Green"]
REGION_LABELS = [region.value for region in Region]


#: colours, regions, closed, renewal in days, days since the update, ARR, has an account.
Spec = tuple[list[str], list[str], bool, int | None, int, float | None, bool]


def make(iid: int, spec: Spec) -> Card:
    colours, regions, closed, renewal_in, updated_ago, arr, has_account = spec
    base = summary(
        iid,
        *colours,
        *regions,
        closed=closed,
        renewal_in=renewal_in,
        updated_ago=updated_ago,
    )
    account = AccountScore(None, None, arr) if has_account else None
    return make_card(replace(base, account=account), TODAY)


cards_strategy = st.lists(
    st.tuples(
        st.lists(st.sampled_from(COLOURS), max_size=2, unique=True),
        st.lists(st.sampled_from(REGION_LABELS), max_size=2, unique=True),
        st.booleans(),
        st.one_of(st.none(), st.integers(-400, 900)),
        st.integers(0, 30),
        st.one_of(st.none(), st.floats(0, 5e6, allow_nan=False)),
        st.booleans(),
    ),
    max_size=40,
)


def one(labels: list[str]) -> str | None:
    return labels[0] if len(labels) == 1 else None


@FAST
@given(specs=cards_strategy)
def test_every_open_card_is_counted_once_where_its_labels_say(specs: list[Spec]) -> None:
    cards = [make(i + 1, spec) for i, spec in enumerate(specs)]
    view = overview(cards, TODAY)
    open_specs = [spec for spec in specs if not spec[2]]
    assert view.total == len(open_specs)
    for region in REGIONS:
        for health in HEALTHS:
            wanted = [
                s
                for s in open_specs
                if one(s[1]) == (None if region is None else region.value)
                and one(s[0]) == (None if health is None else health.name.title())
            ]
            tally = view.by_cell[(region, health)]
            assert tally.count == len(wanted)
            known = [s[5] for s in wanted if s[6] and s[5] is not None]
            assert tally.arr_unknown == len(wanted) - len(known)
            assert abs(tally.arr - sum(known)) < 1e-3
    risky = [s for s in open_specs if one(s[0]) in ("Red", "Amber")]
    assert view.at_risk().count == len(risky)
    assert sum(view.overdue.values()) == sum(1 for s in open_specs if s[4] > 7)
    rows = dict(view.renewals)
    assert sum(sum(counts.values()) for counts in rows.values()) == len(open_specs)
    past = [s for s in open_specs if s[3] is not None and s[3] < 0]
    assert sum(rows[PAST_DUE].values()) == len(past)
    assert sum(rows[NO_DATE].values()) == sum(1 for s in open_specs if s[3] is None)


def test_a_hand_counted_board() -> None:
    """Each colour once or more, no health, two colours, a closed Red that is not counted."""
    cards = [
        make(1, (["Red"], ["EMEA"], False, 10, 1, 100_000.0, True)),
        make(2, (["Red"], ["EMEA"], False, -3, 9, None, True)),  # ARR not known
        make(3, (["Amber"], ["APAC"], False, 200, 8, 50_000.0, True)),
        make(4, (["Yellow"], ["APAC"], False, None, 1, 20_000.0, True)),
        make(5, (["Green"], [], False, 40, 2, 10_000.0, True)),
        make(6, ([], ["LATAM"], False, 40, 20, None, False)),
        make(7, (["Red", "Green"], ["LATAM"], False, 700, 1, 1.0, True)),
        make(8, (["Red"], ["EMEA"], True, 10, 30, 999_999.0, True)),  # closed
    ]
    view = overview(cards, TODAY)
    assert view.total == 7
    assert view.by_cell[(Region.EMEA, Health.RED)].count == 2
    assert view.by_cell[(Region.EMEA, Health.RED)].arr == 100_000.0
    assert view.by_cell[(Region.EMEA, Health.RED)].arr_unknown == 1
    assert view.health_total(Health.GREEN).count == 1  # Green is counted as Green
    assert view.by_cell[(None, Health.GREEN)].count == 1
    assert view.health_total(None).count == 2  # no label, and two
    assert (view.at_risk().count, view.at_risk().arr) == (3, 150_000.0)
    assert view.region_risk(Region.APAC).count == 1
    assert view.overdue == {
        Health.RED: 1,
        Health.AMBER: 1,
        Health.YELLOW: 0,
        Health.GREEN: 0,
        None: 1,
    }
    rows = dict(view.renewals)
    assert rows[PAST_DUE] == {
        Health.RED: 1,
        Health.AMBER: 0,
        Health.YELLOW: 0,
        Health.GREEN: 0,
        None: 0,
    }
    assert rows["FY2026-Q4"][Health.RED] == 1
    assert rows["FY2027-Q1"][Health.GREEN] == 1 and rows["FY2027-Q1"][None] == 1
    assert rows["FY2027-Q2"][Health.AMBER] == 1
    assert rows[LATER][None] == 1
    assert rows[NO_DATE][Health.YELLOW] == 1


@given(day=st.dates(min_value=date(2000, 1, 1), max_value=date(2900, 12, 31)))
def test_the_quarters_run_on_from_today_across_years(day: date) -> None:
    labels = quarter_labels(day)
    assert labels[0] == f"FY{day.year}-Q{(day.month - 1) // 3 + 1}"
    assert len(set(labels)) == 4
    later = day + timedelta(days=92 * 4)
    assert f"FY{later.year}-Q{(later.month - 1) // 3 + 1}" not in labels


def test_money_reads_as_a_lead_reads_it() -> None:
    assert [money(x) for x in (0, 950, 12_340, 999_949, 999_950, 4.5e6, 1.2e9)] == [
        "$0",
        "$950",
        "$12.3k",
        "$999.9k",
        "$1.0M",
        "$4.5M",
        "$1.2B",
    ]
