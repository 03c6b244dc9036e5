"""Every workspace-scoped operation, swept: an outsider gets a 404 for everything of a workspace they are
not in, and each role gets a 403 for every operation that needs a right it lacks. The operations come
from the application's own routes, so a new endpoint is covered the day it is added."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest

from api.core.ownership import RIGHTS, Right
from api.main import app as the_app
from tests.workspaces.test_workspaces import team  # noqa: F401  (the fixture)


def _right(dependant: Any) -> Right | None:
    for sub in dependant.dependencies:
        found = getattr(sub.call, "right", None) or _right(sub)
        if found is not None:
            return found
    return None


def _routes(routes: list[Any]) -> list[Any]:
    flat = []
    for route in routes:
        included = getattr(route, "original_router", None)  # a router included in the app
        flat += _routes(included.routes) if included is not None else [route]
    return flat


def scoped_operations() -> list[tuple[str, str, Right]]:
    """(method, path, right needed) of every operation that acts in a workspace."""
    found = []
    for route in _routes(the_app.routes):
        dependant = getattr(route, "dependant", None)
        if dependant is None or (right := _right(dependant)) is None:
            continue
        found += [(method, route.path, right) for method in sorted(route.methods - {"HEAD", "OPTIONS"})]
    return found


OPERATIONS = scoped_operations()
# Writes a reader may still make, each with its reason: leaving a workspace (only yourself).
READ_WRITES = {("DELETE", "/api/workspaces/{workspace_id}/members/{user_id}")}


def test_the_sweep_sees_the_operations_and_every_write_needs_more_than_reading():
    paths = {path for _, path, _ in OPERATIONS}
    assert {"/api/content/drafts/{draft_id}", "/api/schedules/recurring", "/api/webhooks", "/api/queue/slots",
            "/api/workspaces/{workspace_id}/members"} <= paths  # fmt: skip
    assert len(OPERATIONS) >= 40
    loose = [
        (m, p)
        for m, p, right in OPERATIONS
        if m != "GET" and right == Right.READ and (m, p) not in READ_WRITES
    ]
    assert loose == []


@pytest.fixture
def resources(client, team):  # noqa: F811
    """One of everything in the team workspace, made by its owner."""
    workspace, people = team
    headers = people["owner"][1] | {"X-Workspace-Id": workspace["id"]}
    draft = client.post(
        "/api/content/drafts", json={"platform": "x", "content": "Team draft"}, headers=headers
    )
    schedule = client.post(
        "/api/schedules/recurring",
        json={"name": "Weekly", "platform": "x", "frequency": "weekly", "day_of_week": 1,
              "time_of_day": "09:00", "topics": ["hiring"]},
        headers=headers,
    )  # fmt: skip
    slot = client.post("/api/queue/slots", json={"platform": "x", "day_of_week": 2, "time": "10:00"},
                       headers=headers)  # fmt: skip
    ids = {
        "draft_id": draft.json()["id"],
        "schedule_id": schedule.json()["id"],
        "slot_id": slot.json()["id"],
        "workspace_id": workspace["id"],
        "user_id": str(people["editor"][0].id),
    }
    assert all(r.status_code == 201 for r in (draft, schedule, slot)), (draft.text, schedule.text, slot.text)
    return workspace, people, ids


def _url(path: str, ids: dict[str, str]) -> str:
    # Ids this fixture did not make are random: the answer must not depend on whether they exist.
    return re.sub(
        r"\{(\w+)(?::\w+)?\}",
        lambda m: ids.get(m[1], str(uuid.uuid4())) if m[1] != "platform" else "twitter",
        path,
    )


def _call(client: Any, method: str, url: str, headers: dict[str, str]) -> Any:
    return client.request(
        method, url, headers=headers, json={} if method in ("POST", "PUT", "PATCH") else None
    )


def test_an_outsider_gets_404_for_every_operation_of_the_workspace(
    client, resources, user_factory, auth_headers
):
    workspace, _, ids = resources
    outsider = auth_headers(user_factory())
    wrong = []
    for method, path, _ in OPERATIONS:
        answer = _call(client, method, _url(path, ids), outsider | {"X-Workspace-Id": workspace["id"]})
        if answer.status_code != 404:
            wrong.append((method, path, answer.status_code))
    assert wrong == []
    # In their own workspace, the team's rows by id are not found either.
    by_id = [(m, p) for m, p, _ in OPERATIONS if re.search(r"\{(draft|schedule|slot)_id\}", p)]
    assert len(by_id) >= 10
    for method, path in by_id:
        answer = _call(client, method, _url(path, ids), outsider)
        assert answer.status_code in (404, 422), (method, path, answer.status_code)
        if answer.status_code == 422:  # the body is checked first: a valid one must still find nothing
            assert all(e["loc"][0] == "body" for e in answer.json()["detail"]), (method, path, answer.text)


@pytest.mark.parametrize("role", ["viewer", "reviewer", "editor"])
def test_each_role_gets_403_for_every_operation_needing_a_right_it_lacks(client, resources, role):
    workspace, people, ids = resources
    headers = people[role][1] | {"X-Workspace-Id": workspace["id"]}
    lacking = [(m, p, r) for m, p, r in OPERATIONS if r not in RIGHTS[role]]
    assert lacking, role
    wrong = []
    for method, path, _ in lacking:
        answer = _call(client, method, _url(path, ids), headers)
        if answer.status_code != 403 or "Your role here is" not in answer.text:
            wrong.append((method, path, answer.status_code))
    assert wrong == []
    # And nothing changed: the draft, the schedule and the slot are all still there as they were.
    owner = people["owner"][1] | {"X-Workspace-Id": workspace["id"]}
    draft = client.get(f"/api/content/drafts/{ids['draft_id']}", headers=owner).json()
    assert draft["version"] == 1 and draft["content"] == "Team draft"
    assert client.get(f"/api/schedules/recurring/{ids['schedule_id']}", headers=owner).status_code == 200
    members = client.get(f"/api/workspaces/{workspace['id']}/members", headers=owner).json()["items"]
    assert len(members) == 4
