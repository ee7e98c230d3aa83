"""The "Reason for Health Score" field: rewritten in place on a health change, everything
else in the description kept."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given

from tests.domain.factories import THOROUGH
from tests.domain.test_template import REASONS, complete_fields
from triage_tui.domain.team import Role, TriageTeam
from triage_tui.domain.template import (
    TemplateFields,
    parse_description,
    render_description,
    replace_reason,
    replace_team,
    written_reason,
)

HAND_EDITED = [
    # As the app writes it.
    "**Salesforce URL:** https://x.example/1\n\n**Reason for Health Score:**\nold\n\nmore old\n"
    "\n### Triage team\n\n- **TAM:** @a\n",
    # Edited in the web UI: the reason on the key line, an alias, no bold; text after.
    "Renewal: 2027-01-31\nReason - budget cut\nContract Renewal Date: 2027-02-01\nFree text.\n",
    # A heading for the field, a second "Reason:" line (the parser reads it as more reason).
    "## Reason for Health Score\nold\nReason: also old\n## Call log\nkept\n",
    # No reason field at all: it goes before the team section.
    "**Salesforce URL:** https://x.example/1\n\n### Triage team\n- **TAM:** @a\n",
    # No reason field and no team section: it goes at the end.
    "Some text a person wrote.",
    "",
]


@pytest.mark.parametrize("description", HAND_EDITED)
def test_the_reason_is_replaced_and_the_rest_kept(description: str) -> None:
    updated = replace_reason(description, "Lost the champion.\nBudget frozen.")
    before, after = parse_description(description), parse_description(updated)
    assert after.reason == "Lost the champion.\nBudget frozen."
    same = {"reason": "", "problems": ()}
    assert replace(after, **same) == replace(before, **same)  # type: ignore[arg-type]
    assert replace_reason(updated, after.reason) == updated  # stable


@THOROUGH
@given(complete_fields(), REASONS)
def test_any_reason_round_trips_over_any_template(fields: TemplateFields, reason: str) -> None:
    updated = replace_reason(render_description(fields), reason)
    # The first line sits on the key line, where trailing spaces do not survive.
    first, *rest = reason.splitlines()
    written = "\n".join([first.rstrip(), *rest])
    assert parse_description(updated) == replace(fields, reason=written)
    assert written_reason(reason) == written


@pytest.mark.parametrize(
    "reason", ["#1234 escalated to support", "Renewal: moved to Q3", "Salesforce - wrong owner"]
)
def test_a_reason_that_looks_like_a_heading_or_a_field_stays_the_reason(reason: str) -> None:
    for description in HAND_EDITED:
        updated = replace_reason(description, reason)
        fields = parse_description(updated)
        assert fields.reason == reason
        assert fields.renewal_text == parse_description(description).renewal_text


def test_a_description_with_crlf_line_ends_keeps_them() -> None:
    """GitLab keeps the web editor's CRLF: rewriting one field must not touch other lines."""
    description = (
        "**Salesforce URL:** https://x.example/1\r\n\r\n**Reason for Health Score:**\r\n"
        "old\r\n\r\n### Triage team\r\n- **TAM:** @a\r\n"
    )
    for updated in (
        replace_reason(description, "new"),
        replace_team(description, TriageTeam.of([(Role.TAM, ["b"])])),
        replace_reason("Free text.\r\n", "new"),
    ):
        assert "\n" not in updated.replace("\r\n", "")
    updated = replace_reason(description, "new")
    assert updated.startswith("**Salesforce URL:** https://x.example/1\r\n\r\n")
    assert parse_description(updated).reason == "new"
