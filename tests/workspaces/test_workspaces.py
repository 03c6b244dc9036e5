"""Workspaces through the API: personal and team workspaces, invitations, roles, approvals, comments and
the activity log."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from api.core.config import get_settings
from api.core.mail import outbox_messages
from api.webhooks.models import Webhook, WebhookDelivery
from api.workspaces.models import WorkspaceInvitation
from tests.conftest import TEST_PASSWORD

LATER = (datetime.now(UTC) + timedelta(days=3)).isoformat()


def ws(headers: dict[str, str], workspace: dict) -> dict[str, str]:
    return headers | {"X-Workspace-Id": workspace["id"]}


def invitation_token(email: str) -> str:
    [message] = [m for m in outbox_messages(get_settings()) if f"to: {email}".lower() in m.lower()][-1:]
    return re.search(r"Token: (\S+)", message)[1]


@pytest.fixture
def team(client, user_factory, auth_headers):
    """An owner's team workspace with an editor, a reviewer and a viewer who joined by invitation."""
    owner = user_factory(name="Olive Owner")
    h_owner = auth_headers(owner)
    made = client.post("/api/workspaces", json={"name": "Acme social"}, headers=h_owner)
    assert made.status_code == 201, made.text
    workspace = made.json()
    people = {"owner": (owner, h_owner)}
    for role in ("editor", "reviewer", "viewer"):
        person = user_factory(
            email=f"{role}-{uuid.uuid4().hex[:6]}@example.com", name=f"{role.title()} Person"
        )
        sent = client.post(
            f"/api/workspaces/{workspace['id']}/invitations",
            json={"email": person.email, "role": role},
            headers=h_owner,
        )
        assert sent.status_code == 201, sent.text
        headers = auth_headers(person)
        joined = client.post(
            "/api/invitations/accept", json={"token": invitation_token(person.email)}, headers=headers
        )
        assert joined.status_code == 200, joined.text
        assert joined.json()["workspace"]["role"] == role
        people[role] = (person, headers)
    return workspace, people


class TestWorkspaces:
    def test_everyone_has_a_personal_workspace_first(self, client, user_factory, auth_headers):
        headers = auth_headers(user_factory())
        [personal] = client.get("/api/workspaces", headers=headers).json()["items"]
        assert personal["personal"] is True and personal["role"] == "owner"
        draft = client.post(
            "/api/content/drafts", json={"platform": "x", "content": "Mine"}, headers=headers
        ).json()
        assert draft["workspace_id"] == personal["id"]  # no header: the personal workspace
        made = client.post("/api/workspaces", json={"name": "Team"}, headers=headers).json()
        listed = client.get("/api/workspaces", headers=headers).json()["items"]
        assert [w["id"] for w in listed] == [personal["id"], made["id"]]
        # A team workspace starts empty: the personal drafts stay where they are.
        assert client.get("/api/content/drafts", headers=ws(headers, made)).json()["total"] == 0
        assert client.get("/api/content/drafts", headers=headers).json()["total"] == 1

    def test_a_personal_workspace_takes_no_one_else(self, client, user_factory, auth_headers):
        headers = auth_headers(user_factory())
        [personal] = client.get("/api/workspaces", headers=headers).json()["items"]
        sent = client.post(
            f"/api/workspaces/{personal['id']}/invitations", json={"email": "a@example.com"}, headers=headers
        )
        assert sent.status_code == 409
        assert client.delete(f"/api/workspaces/{personal['id']}", headers=headers).status_code == 409

    def test_an_unknown_workspace_header_is_404_and_a_malformed_one_422(
        self, client, user_factory, auth_headers
    ):
        headers = auth_headers(user_factory())
        unknown = client.get("/api/content/drafts", headers=headers | {"X-Workspace-Id": str(uuid.uuid4())})
        assert unknown.status_code == 404
        bad = client.get("/api/content/drafts", headers=headers | {"X-Workspace-Id": "nope"})
        assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["header", "X-Workspace-Id"]

    def test_settings_are_the_owners(self, client, team):
        workspace, people = team
        url = f"/api/workspaces/{workspace['id']}"
        body = {"needs_approval": True, "approval_rule": "two_people", "brand_colors": {
            "background": "#101010", "text": "#fafafa", "accent": "#ff6600"}}  # fmt: skip
        assert client.patch(url, json=body, headers=people["editor"][1]).status_code == 403
        changed = client.patch(url, json=body, headers=people["owner"][1])
        assert changed.status_code == 200 and changed.json()["approval_rule"] == "two_people"
        assert client.get(url, headers=people["viewer"][1]).json()["needs_approval"] is True
        colors = {"background": "red", "text": "#000000", "accent": "#000000"}
        bad = client.patch(url, json={"brand_colors": colors}, headers=people["owner"][1])
        assert bad.status_code == 422 and bad.json()["detail"][0]["loc"][:3] == [
            "body",
            "brand_colors",
            "background",
        ]


class TestInvitations:
    def test_an_invitation_works_once_for_its_address_only(self, client, user_factory, auth_headers):
        owner = auth_headers(user_factory())
        workspace = client.post("/api/workspaces", json={"name": "Agency"}, headers=owner).json()
        invited, stranger = user_factory(email="invited@example.com"), user_factory()
        client.post(
            f"/api/workspaces/{workspace['id']}/invitations",
            json={"email": "Invited@Example.com", "role": "viewer"},
            headers=owner,
        )
        token = invitation_token("Invited@Example.com")
        preview = client.post(
            "/api/invitations/preview", json={"token": token}, headers=auth_headers(stranger)
        )
        assert preview.status_code == 200 and preview.json()["workspace_name"] == "Agency"
        wrong = client.post("/api/invitations/accept", json={"token": token}, headers=auth_headers(stranger))
        assert wrong.status_code == 403 and "invited@example.com" in wrong.json()["detail"].lower()
        right = client.post("/api/invitations/accept", json={"token": token}, headers=auth_headers(invited))
        assert right.status_code == 200 and right.json()["workspace"]["role"] == "viewer"
        again = client.post("/api/invitations/accept", json={"token": token}, headers=auth_headers(invited))
        assert again.status_code == 409
        # Tokens are stored hashed: the token itself is nowhere in the database.
        assert token not in str(
            client.get(f"/api/workspaces/{workspace['id']}/invitations", headers=owner).json()
        )

    def test_a_withdrawn_or_expired_invitation_is_refused(self, client, db, user_factory, auth_headers):
        owner = auth_headers(user_factory())
        workspace = client.post("/api/workspaces", json={"name": "Agency"}, headers=owner).json()
        late, gone = user_factory(), user_factory()
        for person in (late, gone):
            client.post(
                f"/api/workspaces/{workspace['id']}/invitations", json={"email": person.email}, headers=owner
            )
        pending = client.get(f"/api/workspaces/{workspace['id']}/invitations", headers=owner).json()["items"]
        [pending_gone] = [i for i in pending if i["email"] == gone.email]
        revoked = client.delete(
            f"/api/workspaces/{workspace['id']}/invitations/{pending_gone['id']}", headers=owner
        )
        assert revoked.status_code == 204
        refused = client.post(
            "/api/invitations/accept",
            json={"token": invitation_token(gone.email)},
            headers=auth_headers(gone),
        )
        assert refused.status_code == 404
        db.execute(update(WorkspaceInvitation).values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
        expired = client.post(
            "/api/invitations/accept",
            json={"token": invitation_token(late.email)},
            headers=auth_headers(late),
        )
        assert expired.status_code == 409 and "expired" in expired.json()["detail"]

    def test_invitations_waiting_at_once_are_bounded(self, client, user_factory, auth_headers, monkeypatch):
        from api.workspaces import service

        monkeypatch.setattr(service, "MAX_PENDING_INVITATIONS", 2)
        owner = auth_headers(user_factory())
        workspace = client.post("/api/workspaces", json={"name": "Agency"}, headers=owner).json()
        url = f"/api/workspaces/{workspace['id']}/invitations"
        sent = [
            client.post(url, json={"email": f"p{i}@example.com"}, headers=owner).status_code for i in range(3)
        ]
        assert sent == [201, 201, 409]
        # Inviting the same address again replaces its invitation rather than adding one.
        assert client.post(url, json={"email": "p1@example.com"}, headers=owner).status_code == 201
        pending = client.get(url, headers=owner).json()["items"]
        assert sorted(i["email"] for i in pending) == ["p0@example.com", "p1@example.com"]
        client.delete(f"{url}/{pending[0]['id']}", headers=owner)
        assert client.post(url, json={"email": "p2@example.com"}, headers=owner).status_code == 201

    def test_a_forged_token_is_404(self, client, user_factory, auth_headers):
        headers = auth_headers(user_factory())
        forged = client.post("/api/invitations/accept", json={"token": "A" * 43}, headers=headers)
        assert forged.status_code == 404


class TestMembers:
    def test_a_removed_member_loses_access_at_once_whatever_token_they_hold(self, client, team):
        workspace, people = team
        editor, h_editor = people["editor"]
        draft = client.post(
            "/api/content/drafts",
            json={"platform": "x", "content": "Team post"},
            headers=ws(h_editor, workspace),
        ).json()
        removed = client.delete(
            f"/api/workspaces/{workspace['id']}/members/{editor.id}", headers=people["owner"][1]
        )
        assert removed.status_code == 204
        # The same access token, issued before the removal.
        assert (
            client.get(f"/api/content/drafts/{draft['id']}", headers=ws(h_editor, workspace)).status_code
            == 404
        )
        assert client.get(f"/api/workspaces/{workspace['id']}", headers=h_editor).status_code == 404
        # The draft stays the workspace's.
        kept = client.get(f"/api/content/drafts/{draft['id']}", headers=ws(people["owner"][1], workspace))
        assert kept.status_code == 200 and kept.json()["author_id"] == str(editor.id)
        # The log still names who wrote it, though they have left.
        log = client.get(
            f"/api/workspaces/{workspace['id']}/activity",
            params={"subject_id": draft["id"]},
            headers=people["owner"][1],
        ).json()["items"]
        assert [(e["action"], e["actor_name"]) for e in log] == [("created", "Editor Person")]

    def test_the_last_owner_can_neither_leave_nor_be_demoted(self, client, team):
        workspace, people = team
        owner, h_owner = people["owner"]
        base = f"/api/workspaces/{workspace['id']}/members"
        assert client.delete(f"{base}/{owner.id}", headers=h_owner).status_code == 409
        assert client.patch(f"{base}/{owner.id}", json={"role": "editor"}, headers=h_owner).status_code == 409
        reviewer = people["reviewer"][0]
        promoted = client.patch(f"{base}/{reviewer.id}", json={"role": "owner"}, headers=h_owner)
        assert promoted.status_code == 200 and promoted.json()["role"] == "owner"
        assert client.delete(f"{base}/{owner.id}", headers=h_owner).status_code == 204  # now they may leave
        roles = {
            m["email"]: m["role"] for m in client.get(base, headers=people["reviewer"][1]).json()["items"]
        }
        assert owner.email not in roles and roles[reviewer.email] == "owner"

    def test_members_leave_but_do_not_remove_others(self, client, team):
        workspace, people = team
        base = f"/api/workspaces/{workspace['id']}/members"
        viewer, h_viewer = people["viewer"]
        editor = people["editor"][0]
        assert client.delete(f"{base}/{editor.id}", headers=h_viewer).status_code == 403
        assert client.delete(f"{base}/{viewer.id}", headers=h_viewer).status_code == 204
        assert client.get(base, headers=h_viewer).status_code == 404


def _draft(client, headers, workspace, content="Launch day is here."):
    made = client.post(
        "/api/content/drafts",
        json={"platform": "linkedin", "content": content},
        headers=ws(headers, workspace),
    )
    assert made.status_code == 201, made.text
    return made.json()


class TestApprovals:
    @pytest.fixture
    def approving(self, client, team):
        workspace, people = team
        changed = client.patch(
            f"/api/workspaces/{workspace['id']}", json={"needs_approval": True}, headers=people["owner"][1]
        )
        assert changed.status_code == 200
        return workspace, people

    def test_from_writing_to_approved_to_scheduled_with_every_step_logged(self, client, db, approving):
        workspace, people = approving
        h_editor, h_reviewer = ws(people["editor"][1], workspace), ws(people["reviewer"][1], workspace)
        db.add(Webhook(workspace_id=uuid.UUID(workspace["id"]), user_id=people["owner"][0].id,
                       url="https://hooks.example.com/x", secret_encrypted="x",
                       events=["draft.submitted", "draft.approved", "draft.changes_requested"]))  # fmt: skip
        db.commit()
        draft = _draft(client, people["editor"][1], workspace)
        url = f"/api/content/drafts/{draft['id']}"
        early = client.post("/api/content/schedule", json={"draft_id": draft["id"], "scheduled_for": LATER},
                            headers=h_editor)  # fmt: skip
        assert early.status_code == 409 and "need approval" in early.json()["detail"]
        # Reviewers review; editors write.
        assert client.post(f"{url}/submit", json={"version": 1}, headers=h_reviewer).status_code == 403
        submitted = client.post(f"{url}/submit", json={"version": 1}, headers=h_editor)
        assert submitted.status_code == 200 and submitted.json()["approval"] == "submitted"
        assert client.post(f"{url}/approve", json={"version": 2}, headers=h_editor).status_code == 403
        no_reason = client.post(
            f"{url}/request-changes", json={"version": 2, "comment": "  "}, headers=h_reviewer
        )
        assert no_reason.status_code == 422 and no_reason.json()["detail"][0]["loc"] == ["body", "comment"]
        sent_back = client.post(f"{url}/request-changes", json={"version": 2, "comment": "Name the city."},
                                headers=h_reviewer)  # fmt: skip
        assert sent_back.status_code == 200 and sent_back.json()["approval"] == "changes_requested"
        edited = client.put(
            url, json={"version": 3, "content": "Launch day in Lisbon."}, headers=h_editor
        ).json()
        assert edited["approval"] == "changes_requested"  # an edit does not resubmit by itself
        client.post(f"{url}/submit", json={"version": edited["version"]}, headers=h_editor)
        approved = client.post(f"{url}/approve", json={"version": edited["version"] + 1}, headers=h_reviewer)
        assert approved.status_code == 200, approved.text
        assert approved.json()["approval"] == "approved"
        assert approved.json()["approved_by"] == str(people["reviewer"][0].id)
        body = {"draft_id": draft["id"], "scheduled_for": LATER, "version": approved.json()["version"]}
        scheduled = client.post("/api/content/schedule", json=body, headers=h_editor)
        assert scheduled.status_code == 200, scheduled.text

        comments = client.get(f"{url}/comments", headers=h_editor).json()
        assert [c["body"] for c in comments["items"]] == ["Name the city."]
        log = client.get(f"/api/workspaces/{workspace['id']}/activity", params={"subject_id": draft["id"]},
                         headers=ws(people["viewer"][1], workspace)).json()  # fmt: skip
        steps = [(e["action"], e["actor_id"]) for e in reversed(log["items"])]
        editor, reviewer = str(people["editor"][0].id), str(people["reviewer"][0].id)
        assert steps == [
            ("created", editor), ("submitted", editor), ("changes_requested", reviewer), ("edited", editor),
            ("submitted", editor), ("approved", reviewer), ("scheduled", editor),
        ]  # fmt: skip
        events = db.scalars(select(WebhookDelivery.event).order_by(WebhookDelivery.created_at)).all()
        assert events == ["draft.submitted", "draft.changes_requested", "draft.submitted", "draft.approved"]

    def test_an_edit_after_approval_sends_it_back_to_review(self, client, approving):
        workspace, people = approving
        h_editor, h_reviewer = ws(people["editor"][1], workspace), ws(people["reviewer"][1], workspace)
        draft = _draft(client, people["editor"][1], workspace)
        url = f"/api/content/drafts/{draft['id']}"
        client.post(f"{url}/submit", json={"version": 1}, headers=h_editor)
        approved = client.post(f"{url}/approve", json={"version": 2}, headers=h_reviewer).json()
        edited = client.put(
            url, json={"version": approved["version"], "content": "Sneaky change."}, headers=h_editor
        )
        assert edited.json()["approval"] == "submitted" and edited.json()["approved_by"] is None
        refused = client.post("/api/content/schedule", json={"draft_id": draft["id"], "scheduled_for": LATER},
                              headers=h_editor)  # fmt: skip
        assert refused.status_code == 409

    def test_two_people_means_the_author_cannot_approve_their_own(self, client, approving):
        workspace, people = approving
        h_owner = ws(people["owner"][1], workspace)
        client.patch(
            f"/api/workspaces/{workspace['id']}", json={"approval_rule": "two_people"}, headers=h_owner
        )
        mine = _draft(client, people["owner"][1], workspace)
        url = f"/api/content/drafts/{mine['id']}"
        client.post(f"{url}/submit", json={"version": 1}, headers=h_owner)
        own = client.post(f"{url}/approve", json={"version": 2}, headers=h_owner)
        assert own.status_code == 403 and "two people" in own.json()["detail"]
        other = client.post(
            f"{url}/approve", json={"version": 2}, headers=ws(people["reviewer"][1], workspace)
        )
        assert other.status_code == 200
        # With any_reviewer, an owner may approve what they wrote.
        client.patch(
            f"/api/workspaces/{workspace['id']}", json={"approval_rule": "any_reviewer"}, headers=h_owner
        )
        second = _draft(client, people["owner"][1], workspace, "Another one")
        client.post(f"/api/content/drafts/{second['id']}/submit", json={"version": 1}, headers=h_owner)
        assert client.post(f"/api/content/drafts/{second['id']}/approve", json={"version": 2},
                           headers=h_owner).status_code == 200  # fmt: skip

    def test_comments_are_the_members_and_a_viewer_only_reads_them(self, client, approving):
        workspace, people = approving
        draft = _draft(client, people["editor"][1], workspace)
        url = f"/api/content/drafts/{draft['id']}/comments"
        for role in ("editor", "reviewer", "owner"):
            made = client.post(url, json={"body": f"From the {role}"}, headers=ws(people[role][1], workspace))
            assert made.status_code == 201
        assert (
            client.post(url, json={"body": "Me too"}, headers=ws(people["viewer"][1], workspace)).status_code
            == 403
        )
        page = client.get(
            url, params={"limit": 2, "offset": 1}, headers=ws(people["viewer"][1], workspace)
        ).json()
        assert page["total"] == 3 and [c["body"] for c in page["items"]] == [
            "From the reviewer",
            "From the owner",
        ]


class TestLeavingForGood:
    def test_a_deleted_members_team_drafts_pass_to_an_owner(self, client, team):
        workspace, people = team
        h_editor = people["editor"][1]
        draft = _draft(client, h_editor, workspace)
        gone = client.request(
            "DELETE", "/api/users/profile", json={"password": TEST_PASSWORD}, headers=h_editor
        )
        assert gone.status_code == 204, gone.text
        kept = client.get(f"/api/content/drafts/{draft['id']}", headers=ws(people["owner"][1], workspace))
        assert kept.status_code == 200 and kept.json()["author_id"] == str(people["owner"][0].id)

    def test_the_last_owner_of_a_team_cannot_delete_their_account(self, client, team):
        workspace, people = team
        refused = client.request(
            "DELETE", "/api/users/profile", json={"password": TEST_PASSWORD}, headers=people["owner"][1]
        )
        assert refused.status_code == 409 and workspace["name"] in refused.json()["detail"]
        assert client.get(f"/api/workspaces/{workspace['id']}", headers=people["owner"][1]).status_code == 200

    def test_the_export_holds_memberships_comments_and_activity(self, client, team):
        workspace, people = team
        h_editor = people["editor"][1]
        draft = _draft(client, h_editor, workspace)
        client.post(
            f"/api/content/drafts/{draft['id']}/comments",
            json={"body": "Ready?"},
            headers=ws(h_editor, workspace),
        )
        exported = client.get("/api/users/export", headers=h_editor).json()
        assert [m["workspace_id"] for m in exported["workspaces"]][-1] == workspace["id"]
        assert [c["body"] for c in exported["comments"]] == ["Ready?"]
        assert {"created", "commented", "joined"} <= {a["action"] for a in exported["activity"]}


class TestTeamAnalytics:
    def test_a_team_workspace_reads_its_members_posts_and_its_own_drafts(self, client, db, team):
        from api.history.models import UserPost

        workspace, people = team
        posted = datetime.now(UTC) - timedelta(days=3)
        for role, count in (("owner", 3), ("editor", 2)):
            for i in range(count):
                db.add(UserPost(user_id=people[role][0].id, platform="twitter", content=f"{role} post {i}",
                                posted_at=posted, followers=100, time_precision="exact",
                                engagement_metrics={"likes": 5, "comments": 1, "shares": 0}))  # fmt: skip
        db.commit()
        _draft(client, people["editor"][1], workspace)
        team_view = client.get("/api/analytics/dashboard", headers=ws(people["viewer"][1], workspace)).json()
        assert team_view["posts"]["total"] == 5 and team_view["drafts"]["draft"] == 1
        own_view = client.get("/api/analytics/dashboard", headers=people["owner"][1]).json()  # personal
        assert own_view["posts"]["total"] == 3 and own_view["drafts"]["draft"] == 0
        outsider = client.get(
            "/api/analytics/dashboard", headers=ws(people["owner"][1], {"id": str(uuid.uuid4())})
        )
        assert outsider.status_code == 404
