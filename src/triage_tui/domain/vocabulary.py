"""The org's spelling of the board's labels: `[labels]` in the config.

The whole app (domain, store, board, outbox) speaks the board's canonical words, the
handbook's: "Red", "New", "US-WEST", "E&A". An org may spell them `health::red`,
`triage::new`, `region::us-west`, `churn::expected-avoidable`. A LabelVocabulary maps
each board word to the org's label; only the GitLab boundary (triage_tui.sync.mapping)
translates, reading (org -> board, case-insensitive) and writing (board -> org). A label
the table does not name passes through unchanged both ways, so the default (an empty
table) is the identity and the demo stays the handbook's.

The table must be one-to-one, or a read could not tell which word an org label means
(and a round trip would change a label): no two board words to one org label, counting
the words the table leaves alone (they keep their own name), case-insensitively, as
GitLab matches label names.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from triage_tui.domain.labels import triage_labels


class VocabularyError(ValueError):
    """The `[labels]` table cannot be used; `key` is the board word at fault."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


def board_words() -> tuple[str, ...]:
    """Every word the table may map: the health colours, New, the regions, the churn
    classes (domain.labels.triage_labels)."""
    return triage_labels()


@dataclass(frozen=True, slots=True)
class LabelVocabulary:
    """Board word -> org label, for the words the org spells differently.

    Build it with `from_table` (which checks the table); `LabelVocabulary()` is the
    identity."""

    pairs: tuple[tuple[str, str], ...] = ()
    """(board word, org label), in board order, only those that differ from the word."""
    _to_org: dict[str, str] = field(init=False, repr=False, compare=False)
    _to_board: dict[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_to_org", dict(self.pairs))
        object.__setattr__(self, "_to_board", {org.casefold(): word for word, org in self.pairs})

    @classmethod
    def from_table(cls, table: Mapping[str, object]) -> LabelVocabulary:
        """The vocabulary of a `[labels]` table (board word = org label).

        A key is a board word in any case ("red" is Red). Raises VocabularyError naming
        the key: an unknown board word, a value that is no label name (empty, or with a
        comma: GitLab's label lists are comma-separated), a word given twice, or two
        words that would be one org label."""
        words = {word.casefold(): word for word in board_words()}
        chosen: dict[str, str] = {}
        keys: dict[str, str] = {}
        for key, value in table.items():
            word = words.get(key.strip().casefold())
            if word is None:
                raise VocabularyError(
                    key,
                    f"`{key}` is not a board label; the board's labels are "
                    f"{', '.join(board_words())}.",
                )
            if word in chosen:
                raise VocabularyError(key, f"`{key}` is given twice (as {word}).")
            if not isinstance(value, str) or not value.strip() or "," in value:
                raise VocabularyError(
                    key,
                    f"`{key}` should be the org's label name, such as "
                    f'"health::red" (no comma), not {value!r}.',
                )
            chosen[word] = value.strip()
            keys[word] = key
        # A word the table leaves out keeps its own name: that name is taken.
        owner = {word.casefold(): word for word in board_words() if word not in chosen}
        for word, org in chosen.items():
            other = owner.setdefault(org.casefold(), word)
            if other != word:
                raise VocabularyError(
                    keys[word],
                    f"`{keys[word]}`: {word} and {other} would both be the label {org!r} on "
                    "GitLab; each board label needs a label of its own.",
                )
        org_of = {word: chosen.get(word, word) for word in board_words()}
        return cls(tuple((w, org_of[w]) for w in board_words() if org_of[w] != w))

    @property
    def is_identity(self) -> bool:
        return not self.pairs

    def to_org(self, label: str) -> str:
        """The org's name for a board word; any other label unchanged."""
        return self._to_org.get(label, label)

    def to_board(self, label: str) -> str:
        """The board word an org label (in any case) stands for; any other unchanged."""
        return self._to_board.get(label.casefold(), label)

    def org_labels(self, labels: Iterable[str]) -> tuple[str, ...]:
        return tuple(self.to_org(name) for name in labels)

    def board_labels(self, labels: Iterable[str]) -> tuple[str, ...]:
        return tuple(self.to_board(name) for name in labels)

    def org_triage_labels(self) -> tuple[str, ...]:
        """Every triage label as the org spells it (what the project should have)."""
        return self.org_labels(board_words())


#: The handbook's spelling: every label as it is.
IDENTITY = LabelVocabulary()
