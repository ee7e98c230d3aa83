"""`triage-tui config check`, GitLab's half: is everything in place for real work?

Each check yields lines that start "ok: " or "problem: " and say, in plain words, what
was found and what to do. Stops at the first problem that makes the later checks
meaningless (no token, GitLab unreachable, the token refused, no such project).

Who may do what, from GitLab's doc/user/permissions.md: a Guest may open issues but not
edit the labels, milestone or assignees of an existing one; Planner (GitLab 17.7 and
later, access level 15), Reporter (20) and above may, and may manage labels, which is
what lets GitLab create a label the first time an issue is given it.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any
from urllib.parse import quote

from triage_tui.domain.labels import read_labels
from triage_tui.domain.vocabulary import IDENTITY, LabelVocabulary
from triage_tui.sync.credentials import Token

#: GitLab's roles by access level (doc/api/members.md, "Roles").
ROLES = {
    5: "Minimal Access",
    10: "Guest",
    15: "Planner",
    20: "Reporter",
    30: "Developer",
    40: "Maintainer",
    50: "Owner",
}
#: The lowest role that may edit an existing issue's labels, milestone and assignees.
EDITS_NEED = 15
#: GitLab pages project issues by keyset from this version on (doc/api/rest/_index.md).
KEYSET_SINCE = (18, 3)


def _version(text: str) -> tuple[int, int]:
    parts = text.split("-", 1)[0].split(".")
    try:
        return int(parts[0]), int(parts[1])
    except (IndexError, ValueError):
        return (0, 0)


def _role(level: int) -> str:
    return ROLES.get(level, f"access level {level}")


def check_gitlab(
    url: str,
    project: str,
    token: Token | None,
    *,
    timeout: float = 15.0,
    vocabulary: LabelVocabulary = IDENTITY,
) -> Iterator[str]:
    """The GitLab checks, in order: token, reachable, token valid, scopes, project, role,
    labels (by the org's names: `vocabulary`). `token` None: none was found (the caller
    says where it looked)."""
    import gitlab
    import gitlab.exceptions as gle
    import requests

    if token is None:
        yield (
            "problem: no GitLab token found: set GITLAB_TOKEN, or run `triage-tui auth login`, "
            "or set up python-gitlab's or glab's config for this GitLab"
        )
        return
    yield f"ok: GitLab token found in {token.source}"
    gl = gitlab.Gitlab(url, private_token=token.value, timeout=timeout, per_page=100)

    def get(path: str, **params: Any) -> Any:
        return gl.http_request("get", path, query_data=params, max_retries=2).json()

    try:
        version = str(get("/version").get("version") or "")
    except requests.exceptions.SSLError:
        yield (
            f"problem: cannot connect to {url} securely: its certificate is not trusted "
            "(set REQUESTS_CA_BUNDLE to your company's CA bundle)"
        )
        return
    except (requests.exceptions.ConnectionError, requests.exceptions.Timeout):
        yield f"problem: cannot reach GitLab at {url}: check gitlab_url and the network"
        return
    except gle.GitlabAuthenticationError:
        yield f"ok: GitLab answers at {url}"
        yield (
            "problem: GitLab did not accept the token (401): it may be expired or revoked; "
            "create a new one (scope api) and run `triage-tui auth login`"
        )
        return
    except gle.GitlabError as error:
        yield (
            f"problem: {url} answers, but not as GitLab's API does (HTTP {error.response_code} "
            "for /api/v4/version): check gitlab_url (the address you open GitLab at)"
        )
        return
    paging = (
        "issues are paged by keyset"
        if _version(version) >= KEYSET_SINCE
        else "older than 18.3: issues are paged by offset, oldest first (still safe)"
    )
    yield f"ok: GitLab {version or '(version not given)'} answers at {url}; {paging}"

    user = get("/user")
    who = f"@{user.get('username')}" + (f" ({user['name']})" if user.get("name") else "")
    yield f"ok: the token is valid: signed in as {who}"
    yield from _scopes(get)

    try:
        about = get(f"/projects/{quote(project, safe='')}")
    except gle.GitlabHttpError as error:
        if error.response_code == 404:
            yield (
                f"problem: project {project} not found on {url}, or this token cannot see "
                "it: set project to the path in its address (group/subgroup/project) or "
                "its numeric id"
            )
            return
        raise
    project_path = f"/projects/{about['id']}"
    yield f"ok: project found: {about.get('path_with_namespace')} (id {about['id']})"

    yield from _role_and_labels(get, user, about, project_path, vocabulary)


def _role_and_labels(
    get: Any,
    user: dict[str, Any],
    about: dict[str, Any],
    project_path: str,
    vocabulary: LabelVocabulary = IDENTITY,
) -> Iterator[str]:
    """The user's role allows edits; the triage labels exist or will be created."""
    where = about.get("path_with_namespace")
    level = _access_level(get, project_path, about, int(user["id"]))
    if user.get("is_admin"):
        yield "ok: you are a GitLab administrator: you can edit issues and labels"
        level = max(level or 0, 50)
    elif level is None:
        yield (
            f"problem: @{user.get('username')} is not a member of {where}: "
            "ask one of its Maintainers to add you as Planner or Reporter"
        )
    elif level < EDITS_NEED:
        yield (
            f"problem: your role in the project is {_role(level)}: GitLab lets a {_role(level)} "
            "open issues but not change labels, milestones or assignees; ask a Maintainer "
            "for Planner or Reporter"
        )
    else:
        yield f"ok: your role in the project is {_role(level)}: you can edit issues and labels"

    have = [
        str(label.get("name")) for page in _pages(get, f"{project_path}/labels") for label in page
    ]
    yield from _labels_found(have, level, vocabulary)


def _labels_found(have: list[str], level: int | None, vocabulary: LabelVocabulary) -> Iterator[str]:
    """Every triage label, by the org's name, exists (or will be created). A name the
    `[labels]` table gives must exist: a typo there would make GitLab create a second
    label beside the org's, and the board would not see the org's."""
    wanted = vocabulary.org_triage_labels()
    present = set(have)
    by_case = {name.casefold(): name for name in have}
    mapped = {org for _, org in vocabulary.pairs}
    missing = [name for name in wanted if name not in present]
    typos = [name for name in missing if name in mapped]
    unmapped = [name for name in missing if name not in mapped]
    for name in typos:
        near = by_case.get(name.casefold())
        hint = f" (it has {near!r}: spell it so in [labels])" if near else ""
        yield (
            f"problem: [labels] names {name!r}, which the project has no label for{hint}; "
            "fix the name in the config, or create the label in Manage > Labels"
        )
    if not missing:
        yield f"ok: all {len(wanted)} triage labels exist" + (
            f" ({len(mapped)} by your org's names)" if mapped else ""
        )
    elif unmapped and (level or 0) >= EDITS_NEED:
        yield (
            f"ok: labels {', '.join(unmapped)} do not exist yet: GitLab creates each the first "
            "time an issue gets it (in a default colour; give them theirs in Manage > Labels)"
        )
    elif unmapped:
        yield (
            f"problem: labels {', '.join(unmapped)} are missing and your role cannot create "
            "them: ask a Maintainer to create them"
        )
    if hints := _spelt_otherwise(unmapped, have):
        yield (
            "problem: the project spells some triage labels its own way: map them in the "
            "config's [labels] table, or the board will create the handbook's beside them: "
            + ", ".join(f'{word} = "{org}"' for word, org in hints)
        )


def _spelt_otherwise(missing: list[str], have: list[str]) -> list[tuple[str, str]]:
    """(board word, project label) for the missing words a project label reads as
    (`health::red` for Red): the org's own spelling, not yet in [labels]."""
    found: list[tuple[str, str]] = []
    for word in missing:
        target = read_labels([word])
        for name in have:
            if name == word:
                continue
            reading = read_labels([name])
            if reading.other:
                continue
            if reading == target:
                found.append((word, name))
                break
    return found


def _scopes(get: Any) -> Iterator[str]:
    import gitlab.exceptions as gle

    try:
        token = get("/personal_access_tokens/self")
    except gle.GitlabError:
        return  # not a personal, project or group access token (OAuth), or GitLab < 15.5
    scopes = set(token.get("scopes") or [])
    expires = token.get("expires_at")
    until = ""
    if isinstance(expires, str) and expires:
        try:
            days = (date.fromisoformat(expires[:10]) - date.today()).days
            until = f"; it expires on {expires[:10]}" + (f", in {days} days" if days < 14 else "")
        except ValueError:
            pass
    if "api" in scopes:
        yield f"ok: the token may read and write (scope api){until}"
    elif "read_api" in scopes:
        yield (
            "problem: the token can only read (scope read_api): edits would be refused; "
            "create one with the api scope and run `triage-tui auth login`"
        )
    else:
        yield (
            f"problem: the token has neither the api nor the read_api scope "
            f"({', '.join(sorted(scopes)) or 'none'}): create one with the api scope"
        )


def _access_level(get: Any, project_path: str, about: dict[str, Any], user_id: int) -> int | None:
    """The user's role in the project: direct or inherited from its groups
    (members/all), else what the project's `permissions` say."""
    import gitlab.exceptions as gle

    try:
        return int(get(f"{project_path}/members/all/{user_id}")["access_level"])
    except gle.GitlabError:
        pass
    permissions = about.get("permissions") or {}
    levels = [
        int(access["access_level"])
        for access in (permissions.get("project_access"), permissions.get("group_access"))
        if isinstance(access, dict) and access.get("access_level")
    ]
    return max(levels) if levels else None


def _pages(get: Any, path: str) -> Iterator[list[dict[str, Any]]]:
    page = 1
    while True:
        body = get(path, page=page, per_page=100)
        yield body
        if len(body) < 100:
            return
        page += 1
