"""`triage-tui config check`: is everything in place for real work with real orgs?

The command runs every check in CHECKS, in order. A check takes the settings and yields
lines, each starting "ok: " or "problem: " and saying in plain words what it found and
what to do; the command prints them under the check's name and exits 1 if any line is a
problem. Each system's checks live in a module of their own (GitLab's in
triage_tui.sync.gitlab_checks); add another system's by appending to CHECKS.
Nothing a check prints ever holds a token or password: only where one was found.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from triage_tui.config import Settings, config_path

Check = Callable[[Settings], Iterable[str]]
"""A check: settings in, "ok: ..." / "problem: ..." lines out."""

PROBLEM = "problem: "


def gitlab(settings: Settings) -> Iterator[str]:
    """GitLab: token found (and where), reachable, token valid, project found, role allows
    edits, triage labels (by the org's names, `[labels]`) exist or will be created."""
    from triage_tui.sync.credentials import CredentialError, resolve_token
    from triage_tui.sync.errors import describe
    from triage_tui.sync.gitlab_checks import check_gitlab

    if not (settings.gitlab_url and settings.project):
        yield (
            f"{PROBLEM}no GitLab project configured: set gitlab_url and project in "
            f"{config_path()} or pass --gitlab-url and --project"
        )
        return
    try:
        token = resolve_token(settings.gitlab_url, config_path().parent)
    except CredentialError as error:
        yield f"{PROBLEM}{error}"
        return
    try:
        yield from check_gitlab(
            settings.gitlab_url, settings.project, token, vocabulary=settings.labels
        )
    except Exception as error:  # a failure mid-way is a finding too, never a traceback
        yield f"{PROBLEM}{describe(error, settings.gitlab_url)}"


def salesforce(settings: Settings) -> Iterator[str]:
    """Salesforce: signs in, reads the Account's describe, and reports every configured
    field that does not exist, health fields that cannot be written, health values that
    mean no colour, an account filter Salesforce refuses (services.salesforce_setup)."""
    from triage_tui.services.salesforce_setup import check_salesforce

    for check in check_salesforce(settings.salesforce):
        if check.problem:
            yield f"{PROBLEM}{check.name}: {check.problem}"
        else:
            yield f"ok: {check.name}" + (f" ({check.note})" if check.note else "")


#: Every check `config check` runs, in order, with the name it is printed under.
CHECKS: list[tuple[str, Check]] = [("GitLab", gitlab), ("Salesforce", salesforce)]


def run_checks(
    settings: Settings, checks: Iterable[tuple[str, Check]] | None = None
) -> Iterator[tuple[str, str]]:
    """(check name, line) for every line of every check."""
    for name, check in CHECKS if checks is None else checks:
        for line in check(settings):
            yield name, line


def is_problem(line: str) -> bool:
    return line.startswith(PROBLEM)
