"""sync.secrets: every secret read is taken out of any message phrased with it."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from triage_tui.sync.credentials import SalesforceCredentials, Token
from triage_tui.sync.salesforce_oauth import Grant
from triage_tui.sync.secrets import HIDDEN, keep_out, masked

# Kept secrets stay for the whole process (the worker's other tests too): these start with
# a marker no message holds, so they cannot garble any other test's text.
secret_text = st.text(max_size=40).map(lambda tail: "\N{SECTION SIGN}secret-" + tail)


@given(secret=secret_text, before=st.text(max_size=50), after=st.text(max_size=50))
def test_a_kept_secret_never_survives_masking(secret: str, before: str, after: str) -> None:
    keep_out(secret)
    shown = masked(f"{before}{secret}{after}{secret}")
    assert secret not in shown
    # Every character of both places is hidden: what stays is from before and after
    # only (other kept secrets, of earlier examples, may hide some of those too).
    assert HIDDEN in shown
    assert len(shown.replace(HIDDEN, "")) <= len(before) + len(after)


def test_secrets_written_over_each_other_are_hidden_whole() -> None:
    """One secret's end is another's start: hiding the longer first used to cut the
    other apart and leave "-zzzz" of it standing."""
    first, second = (
        "\N{SECTION SIGN}secret-x\N{SECTION SIGN}secret-yyyy",
        "\N{SECTION SIGN}secret-yyyy-zzzz",
    )
    keep_out(first, second)
    assert masked(f"a {first}-zzzz b") == f"a {HIDDEN} b"
    assert masked(f"{second} {first}") == f"{HIDDEN} {HIDDEN}"


def test_every_kind_of_credential_is_kept_out_as_it_is_made() -> None:
    Token("glpat-tokenvalue-1", "GITLAB_TOKEN")
    SalesforceCredentials(
        "keyring",
        password="pass-word-2",
        security_token="security-3",
        session_id="session-id-4",
        consumer_secret="consumer-5",
        refresh_token="refresh-token-6",
    )
    Grant("https://x.my.salesforce.com", access_token="access-token-7", refresh_token="r-8-long")
    values = "glpat-tokenvalue-1 pass-word-2 security-3 session-id-4 consumer-5"
    text = values + " refresh-token-6 access-token-7 r-8-long"
    assert masked(text) == " ".join([HIDDEN] * 8)


def test_short_values_are_left_alone() -> None:
    """An empty or short value (a default, a flag) is no secret: hiding it would garble."""
    keep_out("", "abc", "1234567")
    assert masked("abc 1234567 x") == "abc 1234567 x"
