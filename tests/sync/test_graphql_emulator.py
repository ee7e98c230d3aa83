"""The emulator's GraphQL answers what GitLab answers, and refuses what GitLab refuses.

Sources, for each rule below:
- doc/api/graphql/_index.md (GitLab), "Authentication": a token that is not valid gets
  HTTP 401 and `{"errors":[{"message":"Invalid token"}]}`; some queries work without
  one (an anonymous user sees public projects only).
- the same page, "Limits": max page size 100 records per page; max query complexity
  200 unauthenticated, 250 authenticated; "If a query exceeds the complexity limit, an
  error message response is returned".
- app/graphql/types/base_field.rb and app/graphql/resolvers/base_resolver.rb (GitLab):
  the score (every field 1; a resolver's connection x (1 + page size x 1%), x 1 when
  asked for by iids).
- graphql-ruby's GraphQL::Pagination::Connection#limit_pagination_argument: `first`
  over the max page size is capped to it, without an error.
- app/graphql/types/time_type.rb (GitLab): Time is `value.iso8601`, whole seconds.
- doc/api/graphql/_index.md, "Object identifiers": IIDs are String arguments, ids are
  global ids ("gid://gitlab/...").
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tests.conftest import TODAY, TOKEN
from triage_emulators.gitlab import GitLabEmulator
from triage_tui.sync.gitlab_source import NOTES_QUERY


@pytest.fixture
def gql() -> Iterator[tuple[GitLabEmulator, Any]]:
    with GitLabEmulator.from_demo(TODAY, count=30, token=TOKEN) as emulator:

        def post(query: str, token: str | None = TOKEN, **variables: Any) -> requests.Response:
            headers = {"PRIVATE-TOKEN": token} if token is not None else {}
            return requests.post(
                f"{emulator.url}/api/graphql",
                json={"query": query, "variables": variables},
                headers=headers,
                timeout=10,
            )

        yield emulator, post


def _notes(emu: GitLabEmulator, post: Any, iids: list[str], **kw: Any) -> requests.Response:
    return post(NOTES_QUERY, path=emu.project.path, iids=iids, first=len(iids), **kw)


def test_the_notes_query_returns_every_asked_issue_with_its_notes(gql: Any) -> None:
    emu, post = gql
    answer = _notes(emu, post, ["3", "4", "5"])
    assert answer.status_code == 200
    nodes = answer.json()["data"]["project"]["issues"]["nodes"]
    assert sorted(n["iid"] for n in nodes) == ["3", "4", "5"]
    for node in nodes:
        notes = emu.project.notes[int(node["iid"])]
        assert node["notes"]["pageInfo"] == {"hasNextPage": False}
        assert sorted(n["id"] for n in node["notes"]["nodes"]) == sorted(
            f"gid://gitlab/Note/{n['id']}" for n in notes
        )
        assert all(n["createdAt"].endswith(":00Z") for n in node["notes"]["nodes"])


def test_a_bad_token_is_401_with_graphql_errors(gql: Any) -> None:
    emu, post = gql
    answer = _notes(emu, post, ["1"], token="expired")
    assert answer.status_code == 401
    assert answer.json() == {"errors": [{"message": "Invalid token"}]}


def test_no_token_runs_anonymously_and_sees_no_private_project(gql: Any) -> None:
    emu, post = gql
    answer = _notes(emu, post, ["1"], token=None)
    assert answer.status_code == 200
    assert answer.json() == {"data": {"project": None}}
    limit = post("{ queryComplexity { limit } }", token=None).json()
    assert limit == {"data": {"queryComplexity": {"limit": 200}}}


def test_page_size_over_100_is_capped_not_refused(gql: Any) -> None:
    emu, post = gql
    emu.project.notes[1] += [
        {**emu.project.notes[1][0], "id": 5_000_000 + n, "system": True} for n in range(150)
    ]
    query = """query($path: ID!) { project(fullPath: $path) { issues(iids: ["1"]) { nodes {
        notes(first: 500) { pageInfo { hasNextPage endCursor } nodes { id } } } } } }"""
    answer = post(query, path=emu.project.path).json()
    notes = answer["data"]["project"]["issues"]["nodes"][0]["notes"]
    assert len(notes["nodes"]) == 100 and notes["pageInfo"]["hasNextPage"] is True
    after = query.replace("first: 500", f'first: 100, after: "{notes["pageInfo"]["endCursor"]}"')
    rest = post(after, path=emu.project.path).json()["data"]["project"]["issues"]["nodes"][0]
    assert len(rest["notes"]["nodes"]) == len(emu.project.notes[1]) - 100
    assert rest["notes"]["pageInfo"]["hasNextPage"] is False


def test_complexity_is_scored_as_gitlab_scores_it(gql: Any) -> None:
    """The bulk query's score does not grow with the number of issues (asked for by iids,
    x 1) and stays far under 250; a notes connection of 100 doubles its children's."""
    emu, post = gql
    scored = NOTES_QUERY.replace("project(", "queryComplexity { score limit } project(", 1)
    one = post(scored, path=emu.project.path, iids=["1"], first=1).json()
    many = post(scored, path=emu.project.path, iids=[str(i) for i in range(1, 31)], first=30)
    assert one["data"]["queryComplexity"] == many.json()["data"]["queryComplexity"]
    # notes: children 9 (pageInfo 2, nodes 1 + 4 fields + author 2), + 1, x (1 + 100%) = 20;
    # issues: (iid 1 + notes 20 + nodes 1) + 1, x 1 = 23; project 24; queryComplexity 3.
    assert one["data"]["queryComplexity"] == {"score": 27, "limit": 250}
    # Without iids the issues connection is multiplied too: ((nodes 1 + iid 1) + 1) x 2.
    plain = '{ queryComplexity { score } project(fullPath: "x") { issues { nodes { iid } } } }'
    assert post(plain).json()["data"]["queryComplexity"] == {"score": 2 + 1 + 6}


def test_a_query_over_the_complexity_limit_gets_errors_and_no_data(gql: Any) -> None:
    emu, post = gql
    emu.graphql_max_complexity = 20
    answer = _notes(emu, post, ["1", "2"])
    assert answer.status_code == 200
    assert answer.json() == {
        "errors": [{"message": "Query has complexity of 24, which exceeds max complexity of 20"}]
    }
    fields = " ".join(f"a{n}: fullPath" for n in range(260))
    wide = post(f'{{ project(fullPath: "{emu.project.path}") {{ {fields} }} }}')
    assert wide.json()["errors"][0]["message"].endswith("exceeds max complexity of 20")


def test_iids_must_be_strings(gql: Any) -> None:
    emu, post = gql
    answer = post(NOTES_QUERY, path=emu.project.path, iids=[1, 2], first=2).json()
    assert "data" not in answer
    assert answer["errors"][0]["message"] == (
        "Variable $iids of type [String!] was provided invalid value for 0"
    )


def test_unknown_fields_and_arguments_are_refused(gql: Any) -> None:
    _emu, post = gql
    field = post('{ project(fullPath: "x") { issues { nodes { weight2 } } } }').json()
    assert field["errors"][0]["message"] == "Field 'weight2' doesn't exist on type 'Issue'"
    argument = post('{ project(fullPath: "x") { issues(sortBy: 1) { nodes { iid } } } }').json()
    assert argument["errors"][0]["message"] == "Field 'issues' doesn't accept argument 'sortBy'"
    broken = post("{ project(fullPath: ").json()
    assert broken["errors"][0]["message"].startswith("Parse error on")


def test_a_discussion_note_has_its_class_in_its_global_id(gql: Any) -> None:
    emu, post = gql
    emu.project.notes[2][0]["type"] = "DiscussionNote"
    nodes = _notes(emu, post, ["2"]).json()["data"]["project"]["issues"]["nodes"]
    ids = {n["id"] for n in nodes[0]["notes"]["nodes"]}
    assert f"gid://gitlab/DiscussionNote/{emu.project.notes[2][0]['id']}" in ids
