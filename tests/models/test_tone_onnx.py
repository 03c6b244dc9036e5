"""The tone classifier's int8 ONNX copy: written by `save`, served by `load`, close to torch, never
replaced by torch without a warning."""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from models.tone import inference as inference_module
from models.tone import onnx_int8
from models.tone.classifier import ToneClassifier, TrainConfig
from tests.models.test_tone_classifier import LABELS, PROBES, TEXTS

# A few epochs so that the probes get clear margins: agreement is then about the backend, not about
# a coin toss near 0.5.
SHORT = TrainConfig(epochs=3, max_length=32, batch_size=8, learning_rate=1e-4, seed=7, log_every=4)
TONE_LOGGER = "postwright.models"
BATCH_MATE_TOLERANCE = 0.05


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
    monkeypatch.setattr(inference_module, "_cpu_flags", lambda: {"avx2", "fma"})


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

    def test_a_posts_scores_barely_move_with_its_batch_mates(self, saved: Path) -> None:
        # Activations are quantized per call, so batch-mates (and padding) move a post's scores a little;
        # this bounds how much: alone and in a length-sorted batch of every text.
        model = ToneClassifier.load(saved, precision="int8")
        texts = PROBES + TEXTS
        together = model.predict_proba(texts)
        alone = np.vstack([model.predict_proba([text]) for text in texts])
        np.testing.assert_allclose(together, alone, atol=BATCH_MATE_TOLERANCE)
        clear = alone.max(axis=1) > 0.55
        assert (together.argmax(axis=1) == alone.argmax(axis=1))[clear].all()

    def test_the_copy_is_the_fused_graph(self, saved: Path) -> None:
        import onnx

        ops = {node.op_type for node in onnx.load(str(saved / onnx_int8.ONNX_INT8_FILE)).graph.node}
        assert {"QAttention", "EmbedLayerNormalization", "SkipLayerNormalization"} <= ops

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


@pytest.fixture
def cheap_rebuild(saved: Path, monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """`write_int8` copies the fixture's real copy instead of exporting again (seconds per build); returns
    the folders written to."""
    written: list[Path] = []

    def copy_copy(module: object, folder: Path, recipe: onnx_int8.Recipe = onnx_int8.RECIPE) -> Path:
        written.append(Path(folder))
        for name in (onnx_int8.ONNX_INT8_FILE, onnx_int8.RECIPE_FILE):
            shutil.copy(saved / name, Path(folder) / name)
        return Path(folder) / onnx_int8.ONNX_INT8_FILE

    monkeypatch.setattr(onnx_int8, "write_int8", copy_copy)
    return written


@pytest.mark.usefixtures("without_native_bf16")
class TestMissingOrStaleCopy:
    def test_save_records_the_recipe_of_the_copy(self, saved: Path) -> None:
        assert onnx_int8.recipe_of(saved) == onnx_int8.RECIPE

    def test_a_version_without_the_copy_gets_one_at_load_and_says_so(
        self, copy_without_onnx: Path, cheap_rebuild: list[Path], caplog: pytest.LogCaptureFixture
    ) -> None:
        with caplog.at_level(logging.WARNING, logger=TONE_LOGGER):
            model = ToneClassifier.load(copy_without_onnx)
        assert model.backend == "onnxruntime-int8"
        assert cheap_rebuild == [copy_without_onnx]
        assert "has no int8 ONNX copy: building it now" in caplog.text

    def test_a_copy_of_an_older_recipe_is_rebuilt(
        self, saved: Path, tmp_path: Path, cheap_rebuild: list[Path]
    ) -> None:
        folder = tmp_path / "model"
        shutil.copytree(saved, folder)
        (folder / onnx_int8.RECIPE_FILE).unlink()  # as copies written before the sidecar existed
        assert onnx_int8.recipe_of(folder) == onnx_int8.UNFUSED_RECIPE
        assert ToneClassifier.load(folder).backend == "onnxruntime-int8"
        assert cheap_rebuild == [folder]
        assert onnx_int8.recipe_of(folder) == onnx_int8.RECIPE

    def test_a_read_only_version_gets_its_copy_in_a_private_folder(
        self, copy_without_onnx: Path, saved: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        written: list[Path] = []

        def refuse_the_model_folder(module: object, folder: Path, recipe: onnx_int8.Recipe) -> Path:
            if Path(folder) == copy_without_onnx:
                raise PermissionError(f"{folder} is read-only")
            written.append(Path(folder))
            for name in (onnx_int8.ONNX_INT8_FILE, onnx_int8.RECIPE_FILE):
                shutil.copy(saved / name, Path(folder) / name)
            return Path(folder) / onnx_int8.ONNX_INT8_FILE

        monkeypatch.setattr(onnx_int8, "write_int8", refuse_the_model_folder)
        model = ToneClassifier.load(copy_without_onnx)
        assert model.backend == "onnxruntime-int8"
        assert len(written) == 1 and written[0] != copy_without_onnx
        shutil.rmtree(written[0])


@pytest.mark.usefixtures("without_native_bf16")
class TestFallback:
    @pytest.fixture
    def build_fails(self, monkeypatch: pytest.MonkeyPatch) -> None:
        def broken(module: object, folder: Path, recipe: onnx_int8.Recipe) -> Path:
            raise RuntimeError("export failed")

        monkeypatch.setattr(onnx_int8, "write_int8", broken)

    @pytest.mark.usefixtures("build_fails")
    def test_a_missing_copy_that_cannot_be_built_falls_back_to_torch_with_a_warning(
        self, copy_without_onnx: Path, caplog: pytest.LogCaptureFixture
    ) -> None:
        with caplog.at_level(logging.WARNING, logger=TONE_LOGGER):
            model = ToneClassifier.load(copy_without_onnx)
        assert model.backend == "torch-fp32"
        warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
        assert any("building the int8 ONNX copy failed" in r.getMessage() for r in warnings)
        assert any("no int8 ONNX copy" in r.getMessage() for r in warnings)
        assert model.predict(PROBES[:2])

    @pytest.mark.usefixtures("build_fails")
    def test_asking_for_int8_without_a_usable_copy_refuses(self, copy_without_onnx: Path) -> None:
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
        monkeypatch.setattr(inference_module, "_cpu_flags", lambda: {"avx2", "avx512_bf16"})
        assert ToneClassifier.load(saved).backend == "torch-bf16"

    def test_the_environment_can_ask_for_int8_on_a_bf16_cpu(
        self, saved: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(inference_module, "_cpu_flags", lambda: {"avx2", "avx512_bf16"})
        monkeypatch.setenv(inference_module.PRECISION_ENV, "int8")
        assert ToneClassifier.load(saved).backend == "onnxruntime-int8"


@pytest.mark.usefixtures("without_native_bf16")
class TestServedWithoutTorch:
    """`load_tone_model` (what the tone service loads) opens the int8 copy alone where int8 is the choice."""

    def test_the_served_model_returns_the_classifiers_int8_probabilities(self, saved: Path) -> None:
        from models.tone.inference import Int8ToneModel
        from models.tone.loading import load_tone_model

        served = load_tone_model(saved)
        assert isinstance(served, Int8ToneModel) and served.backend == "onnxruntime-int8"
        texts = [*PROBES, *TEXTS, "", "word " * 300, "🙂🙂🙂 #tags @people https://example.com/x"]
        classifier = ToneClassifier.load(saved, precision="int8")
        np.testing.assert_allclose(served.predict_proba(texts), classifier.predict_proba(texts), atol=1e-5)
        # The same labels; the rounded scores within a unit of their last place (a sum's order may differ).
        served_out, classifier_out = served.classify(texts), classifier.classify(texts)
        assert [row["label"] for row in served_out] == [row["label"] for row in classifier_out]
        for mine, theirs in zip(served_out, classifier_out, strict=True):
            assert mine["scores"] == pytest.approx(theirs["scores"], abs=2e-6)
        assert served.labels == classifier.labels
        report = served.evaluate(TEXTS, LABELS)
        assert report.macro_f1 == classifier.evaluate(TEXTS, LABELS).macro_f1

    def test_a_process_serving_it_never_imports_torch(self, saved: Path) -> None:
        code = (
            "import sys\n"
            "from models.tone import inference\n"
            "inference._cpu_flags = lambda: {'avx2'}\n"
            "from models.tone.loading import load_tone_model\n"
            f"model = load_tone_model({str(saved)!r})\n"
            "assert model.classify(['great news!'])[0]['label'] in model.labels\n"
            "print(sorted(name for name in ('torch', 'transformers') if name in sys.modules))\n"
        )
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        assert done.stdout.strip() == "[]"

    def test_without_a_current_copy_the_classifier_loads_and_builds_it(self, copy_without_onnx: Path) -> None:
        from models.tone.loading import load_tone_model

        model = load_tone_model(copy_without_onnx)
        assert isinstance(model, ToneClassifier) and model.backend == "onnxruntime-int8"
        assert (copy_without_onnx / onnx_int8.ONNX_INT8_FILE).is_file()

    def test_a_bf16_cpu_keeps_the_classifier(self, saved: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        from models.tone.loading import load_tone_model

        monkeypatch.setattr(inference_module, "_cpu_flags", lambda: {"avx2", "avx512_bf16"})
        assert load_tone_model(saved).backend == "torch-bf16"
