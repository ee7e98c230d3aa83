"""Rules of the code that no linter checks, checked over src/.

An optional health or date tested by its truth reads a real value as missing the day
that value is falsy: Health.GREEN was 0, and `x.health if x.health else ...` showed
every Green issue as "no health". Optional values are tested with `is None`.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"

#: Names of optional values that must never be tested by truth: healths (Health | None)
#: and dates and times (date | datetime | None).
OPTIONAL = re.compile(r"(^|_)health$|(^|_)(date|day|renewal)$|_at$|^(today|renewal|updated)$")
#: Names that hold text, where truth means "not empty" and is right.
TEXT = {"account_health", "due_date"}
#: A line that tests text on purpose says so (a date read from SQLite is an ISO string).
ALLOW = "# truthy: str"


def _name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _tested(tree: ast.AST) -> list[ast.expr]:
    """Every expression used for its truth: if/while/ternary tests, `not x`, `a or b`."""
    found: list[ast.expr] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.If | ast.While | ast.IfExp | ast.Assert):
            found.append(node.test)
        elif isinstance(node, ast.comprehension):
            found.extend(node.ifs)
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            found.append(node.operand)
        elif isinstance(node, ast.BoolOp):
            found.extend(node.values)
    return found


def truthiness_tests(source: str) -> list[tuple[int, str]]:
    lines = source.splitlines()
    bad = []
    for expr in _tested(ast.parse(source)):
        name = _name(expr)
        if name is None or name in TEXT or not OPTIONAL.search(name):
            continue
        if ALLOW in lines[expr.lineno - 1]:
            continue
        bad.append((expr.lineno, ast.unparse(expr)))
    return bad


def test_the_rule_finds_what_hid_green() -> None:
    assert truthiness_tests("x = a.health.label if a.health else 'none'") == [(1, "a.health")]
    assert truthiness_tests("y = card.health or Health.YELLOW") == [(1, "card.health")]
    assert truthiness_tests("if not fields.renewal_date:\n    pass") == [(1, "fields.renewal_date")]
    assert truthiness_tests("x = a.health.label if a.health is not None else 'none'") == []
    assert truthiness_tests("x = 1 if edit.due_date else 2") == []  # Edit.due_date is text


def test_no_optional_health_or_date_is_tested_by_truth() -> None:
    found = [
        f"{path.relative_to(SRC)}:{line}: {text}"
        for path in sorted(SRC.rglob("*.py"))
        for line, text in truthiness_tests(path.read_text(encoding="utf-8"))
    ]
    assert found == [], "test these with `is None`:\n" + "\n".join(found)
