"""The tone classifier's int8 ONNX copy: written by `save`, served by `load`, close to torch, never
replaced by torch without a warning."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import numpy as np
import pytest

from models.tone import classifier as classifier_module
from models.tone import onnx_int8
from models.tone.classifier import ToneClassifier, TrainConfig
from tests.models.test_tone_classifier import LABELS, PROBES, TEXTS

# A few epochs so that the probes get clear margins: agreement is then about the backend, not about
# a coin toss near 0.5.
SHORT = TrainConfig(epochs=3, max_length=32, batch_size=8, learning_rate=1e-4, seed=7, log_every=4)
TONE_LOGGER = "postwright.models"


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> Path:
    model = ToneClassifier.from_base(sorted(set(LABELS)))
    model.fit(TEXTS, LABELS, config=SHORT)
    folder = tmp_path_factory.mktemp("tone-onnx") / "model"
    model.save(folder)
    return folder


@pytest.fixture
def without_native_bf16(monkeypatch: pytest.MonkeyPatch) -> None:
    """A CPU like the product's reference machine (AVX2, no bf16 units), wherever the tests run."""
    monkeypatch.setattr(classifier_module, "_cpu_flags", lambda: {"avx2", "fma"})


@pytest.fixture
def copy_without_onnx(saved: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "model"
    shutil.copytree(saved, folder)
    (folder / onnx_int8.ONNX_INT8_FILE).unlink()
    return folder


@pytest.mark.usefixtures("without_native_bf16")
class TestOnnxBackend:
    def test_save_writes_the_int8_copy_and_load_serves_with_it(self, saved: Path) -> None:
        assert (saved / onnx_int8.ONNX_INT8_FILE).is_file()
        assert ToneClassifier.load(saved).backend == "onnxruntime-int8"

    def test_int8_and_torch_agree_on_labels_with_close_probabilities(self, saved: Path) -> None:
        texts = PROBES + TEXTS[::3]
        int8 = ToneClassifier.load(saved, precision="int8")
        fp32 = ToneClassifier.load(saved, precision="fp32")
        assert fp32.backend == "torch-fp32"
        int8_scores, fp32_scores = int8.predict_proba(texts), fp32.predict_proba(texts)
        np.testing.assert_allclose(int8_scores, fp32_scores, atol=0.06)
        # Labels must agree wherever fp32 is not itself on the fence ("meh" sits at 0.50 / 0.50).
        clear = fp32_scores.max(axis=1) > 0.55
        assert clear.sum() >= len(texts) - 2
        assert (int8_scores.argmax(axis=1) == fp32_scores.argmax(axis=1))[clear].all()

    def test_int8_scores_are_distributions_in_label_order(self, saved: Path) -> None:
        results = ToneClassifier.load(saved).classify(PROBES)
        for result in results:
            assert list(result["scores"]) == ["gloomy", "upbeat"]
            assert sum(result["scores"].values()) == pytest.approx(1.0, abs=1e-4)
            assert result["label"] == max(result["scores"], key=result["scores"].get)

    def test_training_again_stops_using_the_stale_copy(
        self, saved: Path, caplog: pytest.LogCaptureFixture
    ) -> None:
        model = ToneClassifier.load(saved)
        with caplog.at_level(logging.WARNING, logger=TONE_LOGGER):
            model.fit(TEXTS[:8], LABELS[:8], config=SHORT.model_copy(update={"epochs": 1}))
        assert model.backend == "torch-fp32"
        assert "stale" in caplog.text


@pytest.mark.usefixtures("without_native_bf16")
class TestFallback:
    def test_a_missing_copy_falls_back_to_torch_with_a_warning(
        self, copy_without_onnx: Path, caplog: pytest.LogCaptureFixture
    ) -> None:
        with caplog.at_level(logging.WARNING, logger=TONE_LOGGER):
            model = ToneClassifier.load(copy_without_onnx)
        assert model.backend == "torch-fp32"
        warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
        assert any("no int8 ONNX copy" in r.getMessage() for r in warnings)
        assert model.predict(PROBES[:2])

    def test_asking_for_int8_without_the_copy_refuses(self, copy_without_onnx: Path) -> None:
        with pytest.raises(FileNotFoundError, match="int8 ONNX copy"):
            ToneClassifier.load(copy_without_onnx, precision="int8")

    def test_without_onnx_runtime_falls_back_with_a_warning(
        self, saved: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
    ) -> None:
        monkeypatch.setattr(onnx_int8, "onnx_runtime_available", lambda: False)
        with caplog.at_level(logging.WARNING, logger=TONE_LOGGER):
            model = ToneClassifier.load(saved)
        assert model.backend == "torch-fp32"
        assert "onnxruntime is not installed" in caplog.text

    def test_native_bf16_keeps_the_bf16_path(self, saved: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(classifier_module, "_cpu_flags", lambda: {"avx2", "avx512_bf16"})
        assert ToneClassifier.load(saved).backend == "torch-bf16"
