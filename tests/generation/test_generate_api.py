"""POST /api/content/generate against a fake OpenAI-compatible server that records what it was asked."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from api.content.models import ContentDraft
from api.core.config import get_settings
from testkit.fake_llm import Raw


def drafts_of(db, user) -> int:
    return db.scalar(select(func.count()).select_from(ContentDraft).where(ContentDraft.user_id == user.id))


def generate(client, headers, **body):
    payload = {"platform": "linkedin", "topic": "hiring engineers", "variants": 3} | body
    return client.post("/api/content/generate", headers=headers, json=payload)


class TestGenerate:
    def test_variants_are_checked_stored_and_returned_best_first(self, client, auth_headers, writer, llm, db):
        fake = llm(
            [
                "Here's your post:\nHiring engineers? Write the scorecard first. Then interview.",
                "Onboarding starts before day one. Send the laptop early and a plan for week one.",
                '"Our best hires came from referrals. Ask your team who they would work with again."',
            ]
        )
        response = generate(client, auth_headers(writer))
        assert response.status_code == 201, response.text
        drafts = response.json()["drafts"]
        assert len(drafts) == 3 and drafts_of(db, writer) == 3
        texts = {draft["content"] for draft in drafts}
        assert "Hiring engineers? Write the scorecard first. Then interview." in texts  # preamble removed
        assert all(not draft["content"].startswith('"') for draft in drafts)  # quotes removed
        for draft in drafts:
            assert draft["status"] == "draft"
            assert 0 <= draft["voice_match"]["score"] <= 1
            assert (
                draft["generation"]["prompt_tokens"] == 100 and draft["generation"]["completion_tokens"] == 20
            )
            assert "fits the platform" in draft["generation"]["checks_passed"]
        scores = [draft["voice_match"]["score"] for draft in drafts]  # no engagement model here: voice ranks
        assert scores == sorted(scores, reverse=True)
        prompt = fake.requests[0]["messages"]
        assert "Ada Lovelace" in prompt[0]["content"] and "Engineering manager" in prompt[0]["content"]
        assert prompt[-1]["role"] == "user" and "hiring engineers" in prompt[-1]["content"]
        shots = [message["content"] for message in prompt[1:-1] if message["role"] == "assistant"]
        assert any("scorecard before the first interview" in shot for shot in shots)  # own posts as turns
        assert fake.requests[0]["model"] == get_settings().llm_model

    def test_the_users_webhooks_hear_of_generated_drafts(self, client, auth_headers, writer, llm, db):
        from api.core.crypto import encrypt
        from api.webhooks.models import Webhook, WebhookDelivery

        hook = Webhook(user_id=writer.id, url="https://hooks.example/in", secret_encrypted=encrypt("s"),
                       events=["draft.generated"])  # fmt: skip
        db.add(hook)
        db.commit()
        llm(["Hiring is a team sport: who interviews on your team?"])
        response = generate(client, auth_headers(writer), variants=1)
        assert response.status_code == 201, response.text
        [delivery] = db.scalars(select(WebhookDelivery).where(WebhookDelivery.webhook_id == hook.id)).all()
        assert delivery.event == "draft.generated" and delivery.status == "pending"
        assert delivery.payload["data"]["draft_ids"] == [response.json()["drafts"][0]["id"]]

    def test_an_x_thread_is_stored_as_a_thread_of_fitting_posts(self, client, auth_headers, writer, llm):
        points = ["the scorecard", "a work sample", "two interviews", "the debrief", "references",
                  "the offer", "onboarding", "a buddy", "the first review", "a retro"]  # fmt: skip
        long = " ".join(
            f"Point {i}: {point} comes before anything else in hiring, every time."
            for i, point in enumerate(points)
        )
        llm([long])
        response = generate(client, auth_headers(writer), platform="x", thread=True, variants=1)
        assert response.status_code == 201, response.text
        [draft] = response.json()["drafts"]
        parts = draft["content"].split("\n---\n")
        assert draft["content_type"] == "thread" and len(parts) >= 3
        assert "split into a thread" in " ".join(draft["generation"]["repairs"])

    def test_a_variant_with_a_machine_writing_tell_is_regenerated(self, client, auth_headers, writer, llm):
        fake = llm(["Let's delve into hiring.", "Hiring is a team sport: who interviews on your team?"])
        response = generate(client, auth_headers(writer), variants=1)
        assert response.status_code == 201
        [draft] = response.json()["drafts"]
        assert "delve" not in draft["content"]
        assert draft["generation"]["tries"] == 2 and len(fake.requests) == 2

    def test_a_repetition_loop_is_regenerated_and_the_request_discourages_one(
        self, client, auth_headers, writer, llm
    ):
        """The local model once answered a hundred banana emoji: it fits X's length and every other rule."""
        fake = llm(["\U0001f34c" * 100, "Hiring is a team sport: who interviews on your team?"])
        response = generate(client, auth_headers(writer), variants=1)
        assert response.status_code == 201
        [draft] = response.json()["drafts"]
        assert draft["content"].startswith("Hiring is a team sport")
        assert draft["generation"]["tries"] == 2
        assert "reads as written, not a repetition loop" in draft["generation"]["checks_passed"]
        assert all(request["frequency_penalty"] > 0 for request in fake.requests)

    def test_an_unreachable_llm_is_503_and_nothing_is_stored(
        self, client, auth_headers, writer, db, monkeypatch
    ):
        from testkit.support import free_port

        monkeypatch.setattr(get_settings(), "llm_base_url", f"http://127.0.0.1:{free_port()}/v1")
        response = generate(client, auth_headers(writer))
        assert response.status_code == 503
        assert int(response.headers["Retry-After"]) > 0
        assert drafts_of(db, writer) == 0

    def test_an_llm_failing_mid_request_stores_nothing(self, client, auth_headers, writer, llm, db):
        llm(["Hiring is a team sport: who interviews on your team?", 500])
        response = generate(client, auth_headers(writer), variants=2)
        assert response.status_code == 503
        assert drafts_of(db, writer) == 0

    @pytest.mark.parametrize(
        "answer",
        [
            Raw("<!doctype html><html><body><h1>Welcome to nginx!</h1></body></html>", "text/html"),
            Raw("upstream connect error", "text/plain"),
            Raw("<html><body>Bad gateway</body></html>", "application/json"),
            Raw("", "application/json"),
            Raw(b"\xff\xfe\xfa", "application/json"),
            Raw("{}"),
            Raw("[]"),
            Raw('"a completion"'),
            Raw("null"),
            Raw('{"id": "cmpl-1", "object": "chat.completion"}'),
            Raw('{"choices": []}'),
            Raw('{"choices": "Hiring is a team sport."}'),
            Raw('{"choices": [{"index": 0, "finish_reason": "stop"}]}'),
            Raw('{"choices": [{"index": 0, "message": "Hiring is a team sport."}]}'),
            Raw('{"choices": [{"index": 0, "message": {"role": "assistant", "content": 42}}]}'),
        ],
        ids=[
            "html-page", "plain-text", "html-as-json", "empty-body", "not-utf8", "empty-object", "list",
            "string", "null", "no-choices", "choices-empty", "choices-not-a-list", "choice-without-message",
            "message-not-an-object", "content-not-text",
        ],
    )  # fmt: skip
    def test_an_answer_that_is_not_a_chat_completion_is_503_and_nothing_is_stored(
        self, client, auth_headers, user_factory, llm, db, answer
    ):
        """An endpoint answering 200 with something else (a proxy's page, another service) is the LLM
        being unavailable, not a bug of ours: never a 500."""
        me = user_factory()  # no history: the answer is refused before any voice profile is built
        llm([answer])
        response = generate(client, auth_headers(me))
        assert response.status_code == 503, response.text
        assert int(response.headers["Retry-After"]) > 0
        body = response.json()
        assert set(body) == {"error", "detail"} and body["error"] == "service_unavailable"
        assert "did not answer with a chat completion" in body["detail"] and "LLM_BASE_URL" in body["detail"]
        assert drafts_of(db, me) == 0

    def test_nonsense_after_a_good_variant_stores_nothing(self, client, auth_headers, writer, llm, db):
        llm(["Hiring is a team sport: who interviews on your team?", Raw("<html></html>", "text/html")])
        response = generate(client, auth_headers(writer), variants=2)
        assert response.status_code == 503 and "not JSON" in response.json()["detail"]
        assert drafts_of(db, writer) == 0

    def test_a_nul_in_the_llms_answer_is_removed_not_blamed_on_the_client(
        self, client, auth_headers, user_factory, llm
    ):
        """PostgreSQL refuses NUL in text; left in, the model's slip was a 422 about the request."""
        llm(["Hiring is a team sport:\x00 who interviews on your team?"])
        response = generate(client, auth_headers(user_factory()), variants=1)
        assert response.status_code == 201, response.text
        assert (
            response.json()["drafts"][0]["content"] == "Hiring is a team sport: who interviews on your team?"
        )

    def test_no_llm_configured_is_503_naming_the_setting(self, client, auth_headers, writer, monkeypatch):
        monkeypatch.setattr(get_settings(), "llm_base_url", None)
        response = generate(client, auth_headers(writer))
        assert response.status_code == 503 and "LLM_BASE_URL" in response.json()["detail"]

    def test_an_unknown_template_is_404(self, client, auth_headers, writer, llm):
        llm(["unused"])
        import uuid

        response = generate(client, auth_headers(writer), template_id=str(uuid.uuid4()))
        assert response.status_code == 404

    @pytest.mark.parametrize("body", [{"variants": 6}, {"variants": 0}, {"topic": ""}, {"platform": "fax"}])
    def test_bad_input_is_422(self, client, auth_headers, writer, body):
        assert generate(client, auth_headers(writer), **body).status_code == 422


class TestVoiceMatch:
    def test_a_text_like_yours_scores_above_one_unlike_yours(self, client, auth_headers, writer):
        headers = auth_headers(writer)
        mine = "Hiring lesson 99: write the scorecard before the first interview. It saves everyone a week."
        not_mine = "OMG!!! 🔥🔥🔥 best pizza in town #food #yum #weekend #pizza @pizzaplace"
        like = client.post(
            "/api/content/voice-match", headers=headers, json={"platform": "linkedin", "content": mine}
        )
        unlike = client.post(
            "/api/content/voice-match", headers=headers, json={"platform": "linkedin", "content": not_mine}
        )
        assert like.status_code == unlike.status_code == 200
        assert like.json()["score"] > unlike.json()["score"]
        assert len(like.json()["closest_posts"]) == 3
        assert unlike.json()["differences"]

    def test_too_little_history_is_409(self, client, auth_headers, user_factory):
        response = client.post(
            "/api/content/voice-match",
            headers=auth_headers(user_factory()),
            json={"platform": "linkedin", "content": "Hello there."},
        )
        assert response.status_code == 409 and "at least 10" in response.json()["detail"]
