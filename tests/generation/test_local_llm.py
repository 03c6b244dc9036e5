"""The embedded LLM for real: llama.cpp's server over the packaged SmolLM2, through the openai client."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from api.core.config import get_settings
from api.generation.grammar import entity_grammar
from api.generation.service import _ask, _client
from ml.config import PROJECT_ROOT
from serving.llm_server import default_threads, main
from testkit.support import free_port, wait_ready

pytestmark = pytest.mark.slow


def test_the_packaged_model_answers_a_chat_completion_through_the_openai_client(monkeypatch):
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "serving.llm_server", "--port", str(port), "--ctx", "1024", "--parallel", "1"],
        cwd=PROJECT_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_ready(server, f"http://127.0.0.1:{port}", timeout=120, path="/health")
        monkeypatch.setattr(get_settings(), "llm_base_url", f"http://127.0.0.1:{port}/v1")
        monkeypatch.setattr(get_settings(), "llm_max_tokens", 40)
        settings = get_settings()
        text, prompt_tokens, completion_tokens, truncated = _ask(
            _client(settings),
            settings,
            [{"role": "user", "content": "Write one short sentence about hiring engineers."}],
        )
        assert text.strip()
        assert prompt_tokens > 5 and 0 < completion_tokens <= 40
        assert not truncated or completion_tokens == 40
        # llama.cpp says "length" when it stopped at the limit; the budget asked for replaces the setting
        *_, completion_tokens, truncated = _ask(
            _client(settings),
            settings,
            [{"role": "user", "content": "Write three long sentences about hiring engineers."}],
            max_tokens=5,
        )
        assert completion_tokens == 5 and truncated
        # The grammar holds the model to the hashtags and handles it allows, however the prompt pulls.
        grammar = entity_grammar(["Loving #rstats today", "More #rstats"], ["plots with @ana_b"], 1)
        pulled = [{"role": "user", "content": "Write a tweet about R plots full of #hashtags and @mentions."}]
        for _ in range(3):
            text, *_, truncated = _ask(_client(settings), settings, pulled, max_tokens=60, grammar=grammar)
            # An answer stopped at the budget may end in the beginning of an allowed one.
            cut = re.search(r"[#@\uFF03\uFF20]\w*$", text) if truncated else None
            if cut is not None:
                assert "#rstats".startswith(cut[0]) or "@ana_b".startswith(cut[0]), text
                text = text[: cut.start()]
            assert set(re.findall(r"[#\uFF03]\w*", text)) <= {"#rstats"}, text
            assert set(re.findall(r"[@\uFF20]\w*", text)) <= {"@ana_b"}, text
    finally:
        server.terminate()
        _, log = server.communicate(timeout=30)
    # Started as `make up` starts it: half the cores (all of them spin at every operation's barrier, and any
    # other busy process then stalls a completion for tens of seconds: bench/llm_contention.py).
    assert f"threadpool init, n_threads = {default_threads(os.cpu_count() or 1)}" in log


def test_decoding_leaves_cores_for_the_other_services():
    assert [default_threads(cores) for cores in (1, 2, 3, 4, 16)] == [1, 1, 1, 2, 8]


@pytest.mark.parametrize("flag", ["--threads", "--threads-batch"])
def test_a_thread_count_under_one_is_refused_by_name(flag, capsys):
    with pytest.raises(SystemExit) as exit_:
        main([flag, "0"])
    assert exit_.value.code == 2
    assert f"argument {flag}: must be 1 or more, not 0" in capsys.readouterr().err
