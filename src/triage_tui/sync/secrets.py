"""The secrets this process has read, kept out of every message it phrases.

A server's error message is shown on screen and kept in the cache (`last_error`, an
edit's error). GitLab's and Salesforce's own messages carry no token, but what answers
in their place may quote the request it refused: a proxy's or a WAF's debug page, an
echoing misconfigured ingress. So every token, password and session id is noted here as
it is read, and `masked` takes each out of a text before anyone sees it.
"""

from __future__ import annotations

import threading

#: Shorter values are no secret worth hiding, and hiding them would garble messages.
MIN_LENGTH = 8
HIDDEN = "<secret hidden>"

_lock = threading.Lock()
_secrets: set[str] = set()


def keep_out(*values: str) -> None:
    """Note `values` as secrets (empty and short ones are ignored)."""
    with _lock:
        _secrets.update(value for value in values if len(value) >= MIN_LENGTH)


def masked(text: str) -> str:
    """`text` with every noted secret replaced by HIDDEN (longest first, so one that
    contains another is hidden whole)."""
    with _lock:
        known = sorted(_secrets, key=len, reverse=True)
    for secret in known:
        if secret in text:
            text = text.replace(secret, HIDDEN)
    return text
