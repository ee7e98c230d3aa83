"""The configured SOQL filter for which accounts to read: checked before it is sent.

The filter is a WHERE condition the person writes (`Type = 'Customer'`). The sync
puts it in parentheses and ANDs it with its own LastModifiedDate condition, so the
filter must be one condition, closed on itself: no `;`, no quote or parenthesis
left open (which would swallow or escape the sync's own condition), and no clause
of a whole query (ORDER BY, LIMIT, ...). Whether its fields and values are right is
Salesforce's to say: `triage-tui config check` sends it once and reports the answer.
"""

from __future__ import annotations

import re

#: Words that start another clause of a query: a WHERE condition has none of them.
_CLAUSES = frozenset(
    {"SELECT", "FROM", "ORDER", "GROUP", "HAVING", "LIMIT", "OFFSET", "WITH", "FOR", "USING"}
)
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")


def filter_problem(text: str) -> str:
    """What is wrong with a SOQL filter, in plain words; "" when it can be sent."""
    depth, at, quoted = 0, 0, False
    outside: list[str] = []
    while at < len(text):
        char = text[at]
        if quoted:
            if char == "\\":
                at += 1  # an escaped character, \' included
            elif char == "'":
                quoted = False
        elif char == "'":
            quoted = True
        elif char == ";":
            return "it has a `;`: a filter is one WHERE condition, not a statement"
        elif char == '"':
            return "it uses a double quote: SOQL strings are in single quotes ('Customer')"
        else:
            outside.append(char)
            if char == "(":
                depth += 1
            elif char == ")":
                depth -= 1
                if depth < 0:
                    return "it closes a parenthesis it never opened"
        at += 1
    if quoted:
        return "a quoted string is not closed (a ' is missing)"
    if depth:
        return "a parenthesis is not closed"
    words = {w.upper() for w in _WORD.findall("".join(outside))}
    if clause := sorted(words & _CLAUSES):
        return f"it has {clause[0]}: a filter is only the condition that follows WHERE"
    return ""
