"""Weekly updates (handbook rule 5): the team writes the steps taken every week."""

from __future__ import annotations

from triage_tui.domain.health import Health

_HEADINGS = (
    "Steps taken this week",
    "Customer response",
    "Next step and owner",
)


def update_template(health: Health | None) -> str:
    """The text a new weekly update starts from."""
    parts = [f"**{heading}:**\n- \n" for heading in _HEADINGS]
    parts.append(f"**Health now:** {health.label if health is not None else ''}\n")
    return "\n".join(parts)


def has_content(body: str, health: Health | None) -> bool:
    """Something was written beyond the untouched template."""
    template_lines = {line.strip() for line in update_template(health).splitlines()}
    return any(line.strip() and line.strip() not in template_lines for line in body.splitlines())
