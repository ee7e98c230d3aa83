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
    """`text` with every noted secret replaced by HIDDEN. Where two secrets' places in
    the text overlap or touch, the whole stretch is hidden once: replacing one secret
    after another would cut the next one apart and leave a piece of it standing."""
    with _lock:
        known = tuple(_secrets)
    spans: list[tuple[int, int]] = []
    for secret in known:
        start = text.find(secret)
        while start != -1:
            spans.append((start, start + len(secret)))
            start = text.find(secret, start + 1)
    if not spans:
        return text
    spans.sort()
    pieces: list[str] = []
    shown_to = 0
    hide_from, hide_to = spans[0]
    for start, end in spans[1:]:
        if start <= hide_to:
            hide_to = max(hide_to, end)
            continue
        pieces += [text[shown_to:hide_from], HIDDEN]
        shown_to, hide_from, hide_to = hide_to, start, end
    pieces += [text[shown_to:hide_from], HIDDEN, text[hide_to:]]
    return "".join(pieces)
