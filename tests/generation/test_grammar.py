"""The llama.cpp grammar that keeps invented hashtags and @mentions out of an answer
(api/generation/grammar.py), and the service sending it only where LLM_GRAMMAR says the endpoint takes one."""

from __future__ import annotations

import pytest

from api.core.config import get_settings
from api.generation.grammar import MAX_HASHTAGS, entity_grammar


def alternatives(grammar: str, rule: str) -> list[str]:
    line = next((line for line in grammar.splitlines() if line.startswith(f"{rule} ::= ")), None)
    if line is None:
        return []
    return [part.strip().strip('"') for part in line.split("(", 1)[1].rsplit(")", 1)[0].split("|")]


class TestGrammar:
    def test_no_hashtag_habit_means_no_hashtag_and_no_request_handle_means_no_mention(self):
        grammar = entity_grammar(["We love #rstats", "cc @someone"], ["plots"], 0)
        assert grammar == "root ::= plain+\nplain ::= [^#@\\uFF03\\uFF20]\n"

    def test_the_users_hashtags_in_their_spelling_and_only_the_handles_the_request_names(self):
        own = [
            "New #DataViz post",
            "#rstats tips #rstats",
            "a link https://x.io/#anchor",
            "thanks @colleague",
        ]
        grammar = entity_grammar(own, ["plots with @ana_b and #TidyTuesday"], 2)
        assert alternatives(grammar, "tag") == ["rstats", "TidyTuesday", "DataViz"]  # most used first
        assert alternatives(grammar, "handle") == ["ana_b"]  # a handle of an old post is not offered
        # At most the habit's two hashtags, handles anywhere, each ended where the listed word ends.
        lines = grammar.splitlines()
        assert lines[:2] == ["root ::= plain* (tag plain*){0,2}", "plain ::= [^#@\\uFF03\\uFF20] | handle"]
        assert lines[-1].startswith("end ::= [ \\t\\n.,!?")

    def test_the_most_used_hashtags_are_offered_up_to_the_cap(self):
        own = [f"#tag{i} " * (i + 1) for i in range(MAX_HASHTAGS + 10)]
        offered = alternatives(entity_grammar(own, [], 1), "tag")
        assert len(offered) == MAX_HASHTAGS and offered[0] == f"tag{MAX_HASHTAGS + 9}"


def generate(client, headers, **body):
    payload = {"platform": "x", "topic": "plots with @ana_b", "variants": 1} | body
    return client.post("/api/content/generate", headers=headers, json=payload)


class TestThroughTheApi:
    @pytest.mark.parametrize("on", [True, False])
    def test_the_grammar_is_sent_only_where_the_setting_says(
        self, client, auth_headers, writer, llm, monkeypatch, on
    ):
        monkeypatch.setattr(get_settings(), "llm_grammar", on)
        fake = llm(["Plots are arguments: draw them with care, @ana_b."])
        assert generate(client, auth_headers(writer)).status_code == 201
        sent = fake.requests[0].get("grammar")
        if on:
            assert sent is not None and alternatives(sent, "handle") == ["ana_b"]
        else:
            assert sent is None
