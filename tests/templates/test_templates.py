"""The seeded template library and turning templates into drafts, including concurrent use."""

from __future__ import annotations

import threading
import uuid

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from api.auth.models import User
from api.content.length import check_length
from api.content.models import ContentDraft
from api.core.db import get_engine
from api.templates import service
from api.templates.library import CATEGORIES, content_type_of, load_library, placeholders_of, seed_templates
from api.templates.models import ContentTemplate
from testkit.support import personal_scope


def sample_values(placeholders: list[str]) -> dict[str, str]:
    return {name: name.replace("_", " ") for name in placeholders}


class TestLibrary:
    def test_at_least_forty_templates_across_categories_and_platforms(self):
        specs = load_library()
        assert len(specs) >= 40
        assert {spec.category for spec in specs} == set(CATEGORIES)
        assert {spec.platform for spec in specs} == {"linkedin", "twitter"}
        assert all(spec.description and spec.placeholders for spec in specs)

    def test_every_template_filled_with_short_values_fits_its_platform(self):
        for spec in load_library():
            text = service.fill(spec.template_content, sample_values(spec.placeholders))
            result = check_length(spec.platform, text, content_type_of(spec.platform, spec.template_content))
            assert result.valid, (spec.title, result.problems)

    def test_the_migration_seeded_it_and_reseeding_changes_nothing(self, db):
        before = db.scalar(select(func.count()).select_from(ContentTemplate))
        assert before >= 40
        template = db.scalars(select(ContentTemplate).order_by(ContentTemplate.title)).first()
        template.usage_count = 7
        db.flush()
        seed_templates(db.connection())
        db.expire_all()
        assert db.scalar(select(func.count()).select_from(ContentTemplate)) == before
        assert db.get(ContentTemplate, template.id).usage_count == 7
        assert db.get(ContentTemplate, template.id).placeholders == placeholders_of(template.template_content)


class TestBrowsing:
    def test_filters_search_and_total(self, client, user_factory, auth_headers):
        headers = auth_headers(user_factory())
        everything = client.get("/api/templates", params={"limit": 200}, headers=headers).json()
        assert everything["total"] >= 40
        ratings = [item["engagement_rating"] for item in everything["items"]]
        assert ratings == sorted(ratings, reverse=True)
        hiring_x = client.get(
            "/api/templates", params={"category": "hiring", "platform": "x"}, headers=headers
        ).json()
        assert hiring_x["total"] >= 1
        assert all(
            item["category"] == "hiring" and item["platform"] == "twitter" for item in hiring_x["items"]
        )
        found = client.get("/api/templates", params={"search": "POST-MORTEM"}, headers=headers).json()
        assert [item["title"] for item in found["items"]] == ["Failure post-mortem"]
        assert (
            client.get("/api/templates", params={"search": "100%_sure"}, headers=headers).json()["total"] == 0
        )

    def test_unknown_category_is_422(self, client, user_factory, auth_headers):
        response = client.get(
            "/api/templates", params={"category": "memes"}, headers=auth_headers(user_factory())
        )
        assert response.status_code == 422

    def test_get_one_and_404(self, client, user_factory, auth_headers, db):
        headers = auth_headers(user_factory())
        template = db.scalars(select(ContentTemplate)).first()
        assert client.get(f"/api/templates/{template.id}", headers=headers).json()["title"] == template.title
        assert client.get(f"/api/templates/{uuid.uuid4()}", headers=headers).status_code == 404

    def test_requires_authentication(self, client):
        assert client.get("/api/templates").status_code == 401


def template_titled(db, title: str) -> ContentTemplate:
    return db.scalars(select(ContentTemplate).where(ContentTemplate.title == title)).one()


class TestUse:
    def test_fills_placeholders_into_a_new_draft_and_counts_the_use(
        self, client, user_factory, auth_headers, db
    ):
        me = user_factory()
        template = template_titled(db, "Hot take")
        before = template.usage_count
        values = {"take": "Standups are {status} theatre.", "reason": "Write it down instead."}
        response = client.post(
            f"/api/templates/use/{template.id}", json={"values": values}, headers=auth_headers(me)
        )
        assert response.status_code == 201, response.text
        draft = response.json()
        assert draft["content"] == "Hot take: Standups are {status} theatre.\n\nWrite it down instead."
        assert (draft["platform"], draft["status"], draft["template_id"]) == (
            "twitter",
            "draft",
            str(template.id),
        )
        assert draft["content_type"] == "thought_leadership"
        db.expire_all()
        assert db.get(ContentTemplate, template.id).usage_count == before + 1

    def test_a_thread_template_makes_a_thread_draft(self, client, user_factory, auth_headers, db):
        template = template_titled(db, "How-to thread")
        values = sample_values(template.placeholders)
        response = client.post(
            f"/api/templates/use/{template.id}", json={"values": values}, headers=auth_headers(user_factory())
        )
        assert response.json()["content_type"] == "thread"

    def test_missing_values_are_422_naming_them(self, client, user_factory, auth_headers, db):
        template = template_titled(db, "Myth vs. reality")
        before = template.usage_count
        response = client.post(
            f"/api/templates/use/{template.id}",
            json={"values": {"myth": "More hours, more output.", "reality": "  "}},
            headers=auth_headers(user_factory()),
        )
        assert response.status_code == 422
        assert "reality, one_line_evidence" in response.json()["detail"]
        db.expire_all()
        assert db.get(ContentTemplate, template.id).usage_count == before

    def test_unknown_placeholder_names_are_422(self, client, user_factory, auth_headers, db):
        template = template_titled(db, "Hot take")
        response = client.post(
            f"/api/templates/use/{template.id}",
            json={"values": {"take": "a", "reason": "b", "raeson": "c"}},
            headers=auth_headers(user_factory()),
        )
        assert response.status_code == 422 and "raeson" in response.json()["detail"]

    def test_a_filled_text_too_long_for_x_is_422(self, client, user_factory, auth_headers, db):
        template = template_titled(db, "Hot take")
        response = client.post(
            f"/api/templates/use/{template.id}",
            json={"values": {"take": "a" * 200, "reason": "b" * 200}},
            headers=auth_headers(user_factory()),
        )
        assert response.status_code == 422 and "280" in response.json()["detail"]

    def test_unknown_template_is_404(self, client, user_factory, auth_headers):
        response = client.post(
            f"/api/templates/use/{uuid.uuid4()}", json={"values": {}}, headers=auth_headers(user_factory())
        )
        assert response.status_code == 404


class TestConcurrentUse:
    def test_two_simultaneous_uses_count_two(self, database_url):
        """Two transactions use the same template at once, both committing: the count goes up by two.

        Each keeps its transaction open after its increment, so a read-modify-write count would lose one.
        """
        engine = get_engine()
        with Session(engine) as setup:
            user = User(email=f"concurrent-{uuid.uuid4().hex[:8]}@example.com", password_hash="x", name="C")
            template = ContentTemplate(
                title=f"Concurrency probe {uuid.uuid4().hex[:8]}",
                description="test",
                category="question",
                platform="linkedin",
                template_content="Question: {question}",
                placeholders=["question"],
            )
            setup.add_all([user, template])
            setup.commit()
            user_id, template_id = user.id, template.id
        barrier = threading.Barrier(2)
        errors: list[BaseException] = []

        def use() -> None:
            try:
                with Session(engine) as session:
                    barrier.wait(timeout=10)
                    service.use_template(
                        session, personal_scope(session, user_id), template_id, {"question": "Why?"}
                    )
                    threading.Event().wait(0.3)
                    session.commit()
            except BaseException as exc:  # surfaced below: a thread's exception would otherwise vanish
                errors.append(exc)

        threads = [threading.Thread(target=use) for _ in range(2)]
        try:
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=30)
            assert not errors, errors
            with Session(engine) as check:
                assert check.get(ContentTemplate, template_id).usage_count == 2
                drafts = check.scalar(
                    select(func.count())
                    .select_from(ContentDraft)
                    .where(ContentDraft.template_id == template_id)
                )
                assert drafts == 2
        finally:
            with Session(engine) as cleanup:
                cleanup.execute(delete(ContentDraft).where(ContentDraft.user_id == user_id))
                cleanup.execute(delete(ContentTemplate).where(ContentTemplate.id == template_id))
                cleanup.execute(delete(User).where(User.id == user_id))
                cleanup.commit()


def test_openapi_documents_template_errors(app):
    use = app.openapi()["paths"]["/api/templates/use/{template_id}"]["post"]["responses"]
    assert {"401", "404", "422"} <= set(use)


@pytest.mark.parametrize("title", [spec.title for spec in load_library()[:3]])
def test_library_placeholders_are_stored(db, title):
    stored = template_titled(db, title)
    spec = next(spec for spec in load_library() if spec.title == title)
    assert stored.placeholders == spec.placeholders and stored.template_content == spec.template_content
