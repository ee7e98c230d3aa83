"""The org's label vocabulary (`[labels]`): board words to org labels and back."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from triage_tui.domain.health import Health
from triage_tui.domain.labels import NEW_LABEL, ChurnClass, Region, read_labels
from triage_tui.domain.vocabulary import (
    IDENTITY,
    LabelVocabulary,
    VocabularyError,
    board_words,
)

WORDS = (
    *(h.label for h in Health),
    NEW_LABEL,
    *(r.label for r in Region),
    *(c.label for c in ChurnClass),
)

ORG = LabelVocabulary.from_table(
    {
        "Red": "health::red",
        "Amber": "health::amber",
        "Yellow": "health::yellow",
        "Green": "health::green",
        "New": "triage::new",
        "EMEA": "region::emea",
        "US-WEST": "region::us-west",
        "E&A": "churn::expected-avoidable",
    }
)

#: An org label name: any text GitLab would take in a comma-separated list.
label_names = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters=","),
    min_size=1,
    max_size=20,
).filter(lambda s: s.strip() == s and s != "")


@st.composite
def vocabularies(draw: st.DrawFn) -> tuple[dict[str, str], LabelVocabulary]:
    """A random one-to-one table: some board words, each to a fresh org name or to another
    board word (a permutation among those chosen), in random case for the keys."""
    chosen = draw(st.lists(st.sampled_from(WORDS), unique=True))
    kinds = draw(st.lists(st.booleans(), min_size=len(chosen), max_size=len(chosen)))
    fresh = draw(
        st.lists(
            label_names.map(lambda s: "org::" + s),
            min_size=len(chosen),
            max_size=len(chosen),
            unique_by=str.casefold,
        )
    )
    shuffled = draw(st.permutations(chosen))
    table: dict[str, str] = {}
    for word, permuted, name, use_fresh in zip(chosen, shuffled, fresh, kinds, strict=True):
        table[word] = name if use_fresh else permuted
    # A permuted target that is itself mapped away is free; one that is not is taken by
    # its own word: give that entry a fresh name instead (the table must be one-to-one).
    for (word, org), name in zip(list(table.items()), fresh, strict=True):
        if org in WORDS and org != word and org not in table:
            table[word] = name
    if len({org.casefold() for org in {w: table.get(w, w) for w in WORDS}.values()}) < len(WORDS):
        table = dict(zip(chosen, fresh, strict=True))
    keys = draw(st.lists(st.booleans(), min_size=len(table), max_size=len(table)))
    cased = {
        (w.lower() if low else w): org for (w, org), low in zip(table.items(), keys, strict=True)
    }
    return table, LabelVocabulary.from_table(cased)


@given(vocabularies())
def test_every_board_word_round_trips(drawn: tuple[dict[str, str], LabelVocabulary]) -> None:
    table, vocabulary = drawn
    for word in WORDS:
        org = vocabulary.to_org(word)
        assert org == table.get(word, word)
        assert vocabulary.to_board(org) == word
        # GitLab's answer may spell a mapped label in another case.
        for other in (org.upper(), org.lower()):
            if org != word and other.casefold() == org.casefold():
                assert vocabulary.to_board(other) == word


@given(vocabularies())
def test_the_board_reads_what_it_wrote(drawn: tuple[dict[str, str], LabelVocabulary]) -> None:
    _, vocabulary = drawn
    for health in Health:
        assert (
            read_labels(vocabulary.board_labels([vocabulary.to_org(health.label)])).health is health
        )
    for region in Region:
        assert (
            read_labels(vocabulary.board_labels([vocabulary.to_org(region.label)])).region is region
        )
    for churn in ChurnClass:
        back = read_labels(vocabulary.board_labels([vocabulary.to_org(churn.label)]))
        assert back.churn == (churn,)
    assert read_labels(vocabulary.board_labels([vocabulary.to_org(NEW_LABEL)])).is_new


@given(vocabularies(), label_names)
def test_other_labels_pass_through(
    drawn: tuple[dict[str, str], LabelVocabulary], name: str
) -> None:
    _, vocabulary = drawn
    if name not in WORDS:
        assert vocabulary.to_org(name) == name
    if name.casefold() not in {org.casefold() for _, org in vocabulary.pairs}:
        assert vocabulary.to_board(name) == name


@given(label_names)
def test_the_default_is_the_identity(name: str) -> None:
    assert IDENTITY.is_identity
    assert IDENTITY.to_org(name) == name and IDENTITY.to_board(name) == name
    assert LabelVocabulary.from_table({}) == IDENTITY


def test_an_org_vocabulary() -> None:
    assert ORG.to_org("Red") == "health::red"
    assert ORG.to_board("Health::Red") == "Red"
    assert ORG.to_org("APAC") == "APAC"  # not in the table: its own name
    assert ORG.to_board("customer::enterprise") == "customer::enterprise"
    assert ORG.org_labels(["Amber", "New", "EMEA", "E&A", "VIP"]) == (
        "health::amber",
        "triage::new",
        "region::emea",
        "churn::expected-avoidable",
        "VIP",
    )
    assert set(ORG.org_triage_labels()) >= {"health::green", "triage::new", "LATAM"}
    assert len(ORG.org_triage_labels()) == len(board_words()) == 14


def test_keys_in_any_case_and_values_trimmed() -> None:
    vocabulary = LabelVocabulary.from_table({"red": " health::red ", "us-west": "west"})
    assert vocabulary.to_org("Red") == "health::red"
    assert vocabulary.to_org("US-WEST") == "west"


@pytest.mark.parametrize(
    ("table", "key", "said"),
    [
        ({"Crimson": "health::red"}, "Crimson", "`Crimson` is not a board label"),
        ({"Red": "health::x", "Amber": "HEALTH::X"}, "Amber", "Amber and Red would both be"),
        ({"Red": "Amber"}, "Red", "Red and Amber would both be the label 'Amber'"),
        ({"Red": "a", "red": "b"}, "red", "given twice"),
        ({"Red": ""}, "Red", "the org's label name"),
        ({"Red": "health::red,x"}, "Red", "no comma"),
        ({"Red": 3}, "Red", "the org's label name"),
    ],
)
def test_a_table_that_is_not_one_to_one_is_refused(
    table: dict[str, object], key: str, said: str
) -> None:
    with pytest.raises(VocabularyError) as raised:
        LabelVocabulary.from_table(table)
    assert raised.value.key == key
    assert said in str(raised.value)


def test_a_swap_is_one_to_one() -> None:
    swapped = LabelVocabulary.from_table({"Red": "Amber", "Amber": "Red"})
    assert swapped.to_org("Red") == "Amber" and swapped.to_board("Amber") == "Red"
    assert swapped.to_board("Red") == "Amber"
