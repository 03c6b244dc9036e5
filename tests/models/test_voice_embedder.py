"""The voice embedder: ONNX Runtime over a cached export, equal to the torch model, no torch where it runs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from models.style import embedder as embedder_module
from models.style.embedder import EmbedderUnavailableError, VoiceEmbedder, ensure_graph, graph_path
from models.tone.base import minilm_dir

TEXTS = [
    "Shipped the new billing flow today. Thanks to everyone who reviewed it!",
    "",
    "🚀🚀🚀 #launch @team",
    "Five lessons from a year of remote work:\n1. Write it down\n2. Default to async\n3. Protect focus",
    "word " * 400,  # past the 256-token limit: truncated exactly as the model was trained
    "Ünïcödé, 中文 and emoji 🙂 in one line",
]


def _torch_reference(texts: list[str]) -> np.ndarray:
    """Mean-pooled, L2-normalised MiniLM vectors computed with transformers and torch directly."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    folder = str(minilm_dir())
    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModel.from_pretrained(folder).eval()
    batch = tokenizer(texts, padding=True, truncation=True, max_length=256, return_tensors="pt")
    with torch.no_grad():
        hidden = model(**batch).last_hidden_state
    mask = batch["attention_mask"].unsqueeze(-1).float()
    mean = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
    return torch.nn.functional.normalize(mean, dim=1).numpy()


def test_vectors_equal_the_torch_model_in_any_batching() -> None:
    expected = _torch_reference(TEXTS)
    for batch_size in (1, 2, 32):
        vectors = VoiceEmbedder(batch_size=batch_size).embed(TEXTS)
        assert vectors.shape == (len(TEXTS), 384)
        np.testing.assert_allclose(vectors, expected, atol=2e-5)


def test_a_process_that_embeds_never_imports_torch() -> None:
    ensure_graph(minilm_dir())  # built once per machine; the child below only opens it
    code = (
        "import sys\n"
        "from models.style.embedder import default_embedder\n"
        "vectors = default_embedder().embed(['hello there', 'a second post'])\n"
        "assert vectors.shape == (2, 384), vectors.shape\n"
        "heavy = ('torch', 'transformers', 'sentence_transformers')\n"
        "print(sorted(name for name in heavy if name in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=dict(os.environ)
    )
    assert done.stdout.strip() == "[]"


def test_the_cache_name_follows_the_weights(tmp_path: Path) -> None:
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "model.safetensors").write_bytes(b"weights")
    before = graph_path(folder)
    (folder / "model.safetensors").write_bytes(b"other weights")
    assert graph_path(folder) != before


def test_a_failed_build_says_why(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MODEL_CACHE_DIR", str(tmp_path / "cache"))
    broken = tmp_path / "broken-model"
    broken.mkdir()
    (broken / "config.json").write_text("{}", encoding="utf-8")
    (broken / "tokenizer.json").write_text("{}", encoding="utf-8")
    with pytest.raises(EmbedderUnavailableError, match="building the voice embedder's ONNX graph failed"):
        VoiceEmbedder(model_dir=broken).embed(["text"])
    assert not list((tmp_path / "cache").rglob("*.onnx"))


def test_the_graph_is_built_once_into_the_configured_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MODEL_CACHE_DIR", str(tmp_path))
    built = ensure_graph(minilm_dir())
    assert built.parent.parent == tmp_path and built.is_file()
    stamp = built.stat().st_mtime_ns
    calls: list[object] = []
    monkeypatch.setattr(embedder_module.subprocess, "run", lambda *a, **k: calls.append(a))
    assert ensure_graph(minilm_dir()) == built and built.stat().st_mtime_ns == stamp
    assert calls == []


def test_an_unwritable_cache_without_the_graph_says_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the cache folder would be", encoding="utf-8")
    monkeypatch.setenv("MODEL_CACHE_DIR", str(blocked))
    with pytest.raises(EmbedderUnavailableError, match="MODEL_CACHE_DIR"):
        VoiceEmbedder().embed(["text"])
