"""The tone classifier after a tiny training run (seconds): labels, save/load, batching, precision."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pytest

from models.tone import inference as inference_module
from models.tone.classifier import ToneClassifier, TrainConfig, plot_confusion
from models.tone.inference import EvalReport

UPBEAT = [
    f"{opening} {topic}, what a great {moment}!"
    for opening, topic, moment in zip(
        ["So happy", "Loving", "Thrilled about", "Delighted with"] * 4,
        ["the new office", "our launch", "this sunny weekend", "the team dinner"] * 4,
        ["day", "week", "morning", "evening"] * 2 + ["start", "finish", "moment", "result"] * 2,
        strict=True,
    )
]
GLOOMY = [
    f"{opening} {topic}, such a bad {moment}."
    for opening, topic, moment in zip(
        ["Really sad about", "Tired of", "Upset by", "Miserable after"] * 4,
        ["the cancelled trip", "the rain again", "this broken laptop", "the late train"] * 4,
        ["day", "week", "morning", "evening"] * 2 + ["start", "finish", "moment", "result"] * 2,
        strict=True,
    )
]
TEXTS = UPBEAT + GLOOMY
# Not tone names: the label set must come from the data, whatever it is.
LABELS = ["upbeat"] * len(UPBEAT) + ["gloomy"] * len(GLOOMY)
TINY = TrainConfig(epochs=1, max_length=32, batch_size=8, learning_rate=1e-4, seed=7, log_every=2)
PROBES = [
    "Happy",
    "Such a bad week, the rain again and the late train, really sad about all of it.",
    "Delighted with the result 🎉🎉",
    "meh",
    "Tired of the broken laptop, what a miserable start to a long day of meetings and more meetings!",
]


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[ToneClassifier, Path]:
    model = ToneClassifier.from_base(sorted(set(LABELS)))
    model.fit(TEXTS, LABELS, config=TINY)
    folder = tmp_path_factory.mktemp("tone") / "model"
    model.save(folder)
    return model, folder


class TestLabels:
    def test_label_set_comes_from_the_data(self, trained: tuple[ToneClassifier, Path]) -> None:
        model, _ = trained
        assert model.labels == ["gloomy", "upbeat"]
        assert set(model.predict(PROBES)) <= {"gloomy", "upbeat"}
        assert model.predict_proba(PROBES).shape == (len(PROBES), 2)

    def test_fit_refuses_labels_outside_the_label_set(self) -> None:
        model = ToneClassifier.from_base(["a", "b"])
        with pytest.raises(ValueError, match="not in this classifier's label set"):
            model.fit(["one", "two"], ["a", "c"], config=TINY)

    def test_probabilities_sum_to_one(self, trained: tuple[ToneClassifier, Path]) -> None:
        model, _ = trained
        np.testing.assert_allclose(model.predict_proba(PROBES).sum(axis=1), 1.0, atol=1e-5)

    def test_classify_is_json_ready(self, trained: tuple[ToneClassifier, Path]) -> None:
        model, _ = trained
        results = json.loads(json.dumps(model.classify(PROBES[:2])))
        assert [set(r["scores"]) for r in results] == [{"gloomy", "upbeat"}] * 2
        assert all(r["label"] == max(r["scores"], key=r["scores"].get) for r in results)


class TestSaveLoad:
    def test_loaded_model_predicts_identically(self, trained: tuple[ToneClassifier, Path]) -> None:
        model, folder = trained
        loaded = ToneClassifier.load(folder, precision="fp32")
        assert loaded.labels == model.labels
        assert loaded.train_config == TINY
        np.testing.assert_allclose(loaded.predict_proba(PROBES), model.predict_proba(PROBES), atol=1e-6)

    def test_auto_precision_is_int8_onnx_without_native_bf16(
        self, trained: tuple[ToneClassifier, Path], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        _, folder = trained
        monkeypatch.setattr(inference_module, "_cpu_flags", lambda: {"avx2", "avx512f"})
        assert ToneClassifier.load(folder, precision="auto").precision == "int8"

    def test_auto_precision_is_bf16_with_native_bf16(
        self, trained: tuple[ToneClassifier, Path], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        _, folder = trained
        monkeypatch.setattr(inference_module, "_cpu_flags", lambda: {"avx2", "amx_bf16"})
        assert ToneClassifier.load(folder, precision="auto").precision == "bf16"

    def test_load_refuses_a_folder_that_is_not_a_model(self, tmp_path: Path) -> None:
        with pytest.raises(FileNotFoundError, match="not a saved ToneClassifier"):
            ToneClassifier.load(tmp_path)


class TestBatching:
    @pytest.mark.parametrize("batch_size", [1, 2, 64])
    def test_batched_equals_one_text_at_a_time(
        self, trained: tuple[ToneClassifier, Path], batch_size: int
    ) -> None:
        model, _ = trained
        one_by_one = np.vstack([model.predict_proba([text]) for text in PROBES])
        np.testing.assert_allclose(model.predict_proba(PROBES, batch_size=batch_size), one_by_one, atol=1e-5)

    def test_empty_input_gives_empty_output(self, trained: tuple[ToneClassifier, Path]) -> None:
        model, _ = trained
        assert model.predict_proba([]).shape == (0, 2)
        assert model.predict([]) == []

    @pytest.mark.skipif(not inference_module.cpu_supports_bf16(), reason="this CPU has no native bf16 units")
    def test_bf16_stays_close_to_fp32(self, trained: tuple[ToneClassifier, Path]) -> None:
        _, folder = trained
        fp32 = ToneClassifier.load(folder, precision="fp32").predict_proba(PROBES)
        bf16 = ToneClassifier.load(folder, precision="bf16").predict_proba(PROBES)
        np.testing.assert_allclose(bf16, fp32, atol=0.03)


class TestTraining:
    def test_same_seed_gives_the_same_model(self, trained: tuple[ToneClassifier, Path]) -> None:
        model, _ = trained
        again = ToneClassifier.from_base(sorted(set(LABELS)))
        again.fit(TEXTS, LABELS, config=TINY)
        np.testing.assert_allclose(again.predict_proba(PROBES), model.predict_proba(PROBES), atol=1e-6)

    def test_keeps_the_best_epoch_and_reports_progress(self, caplog: pytest.LogCaptureFixture) -> None:
        model = ToneClassifier.from_base(sorted(set(LABELS)))
        steps: list[int] = []
        config = TINY.model_copy(update={"epochs": 3, "learning_rate": 3e-4})
        val_texts, val_labels = TEXTS[::4], LABELS[::4]
        with caplog.at_level(logging.INFO, logger="postwright.models"):
            history = model.fit(
                TEXTS, LABELS, val_texts, val_labels, config=config, on_step=lambda s, _: steps.append(s)
            )
        assert [row["epoch"] for row in history] == [1.0, 2.0, 3.0]
        best = max(row["val_macro_f1"] for row in history)
        assert model.evaluate(val_texts, val_labels).macro_f1 == pytest.approx(best)
        assert steps and steps == sorted(steps)
        assert any("loss" in record.getMessage() for record in caplog.records)


class TestReport:
    def test_evaluate_counts_into_the_confusion_matrix(self, trained: tuple[ToneClassifier, Path]) -> None:
        model, _ = trained
        report = model.evaluate(TEXTS, LABELS)
        assert report.labels == ["gloomy", "upbeat"]
        assert sum(map(sum, report.confusion)) == len(TEXTS)
        assert [sum(row) for row in report.confusion] == [len(GLOOMY), len(UPBEAT)]

    def test_plot_confusion_writes_a_png(self, tmp_path: Path) -> None:
        report = EvalReport(
            macro_f1=0.5,
            accuracy=0.5,
            per_class={},
            labels=["a", "b", "c"],
            confusion=[[3, 1, 0], [2, 2, 0], [0, 0, 4]],
        )
        path = plot_confusion(report, tmp_path / "plots" / "confusion.png")
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_train_config_rejects_nonsense() -> None:
    with pytest.raises(ValueError):
        TrainConfig(epochs=0)
    with pytest.raises(ValueError):
        TrainConfig(label_smoothing=1.5)
    with pytest.raises(ValueError):
        TrainConfig(learing_rate=1e-4)  # type: ignore[call-arg]


class TestDistillation:
    """Soft labels from a teacher, unlabelled texts and layer-wise learning rates (bench/tone_distill.py)."""

    def _fit(self, weight: float, soft: np.ndarray | None, **extra: object) -> ToneClassifier:
        model = ToneClassifier.from_base(["gloomy", "upbeat"])
        config = TINY.model_copy(update={"epochs": 2, "distill_weight": weight, "distill_temperature": 1.0})
        model.fit(TEXTS, LABELS, config=config, soft_targets=soft, **extra)  # type: ignore[arg-type]
        return model

    def test_a_teacher_that_disagrees_with_the_labels_moves_the_model(self) -> None:
        # The teacher says the opposite of every label: with all the weight on it, the model follows it.
        flipped = np.array([[0.0, 1.0] if label == "gloomy" else [1.0, 0.0] for label in LABELS], np.float32)
        by_labels = self._fit(0.0, flipped).predict_proba(TEXTS)
        by_teacher = self._fit(1.0, flipped).predict_proba(TEXTS)
        truth = np.array([0 if label == "gloomy" else 1 for label in LABELS])
        agree_labels = (by_labels.argmax(1) == truth).mean()
        agree_teacher = (by_teacher.argmax(1) == truth).mean()
        assert agree_labels > 0.8
        assert agree_teacher < 0.5

    def test_unlabelled_texts_learn_from_the_teacher_alone(self) -> None:
        # Two labelled texts only; the rest come unlabelled with the teacher's answer.
        gloomy_first = np.array(
            [[1.0, 0.0] if label == "gloomy" else [0.0, 1.0] for label in LABELS], np.float32
        )
        model = ToneClassifier.from_base(["gloomy", "upbeat"])
        config = TINY.model_copy(update={"epochs": 3})
        model.fit([UPBEAT[0], GLOOMY[0]], ["upbeat", "gloomy"], config=config,
                  unlabelled_texts=TEXTS, unlabelled_targets=gloomy_first)  # fmt: skip
        predicted = model.predict(TEXTS)
        assert np.mean([p == t for p, t in zip(predicted, LABELS, strict=True)]) > 0.8

    def test_soft_targets_are_checked(self) -> None:
        model = ToneClassifier.from_base(["gloomy", "upbeat"])
        with pytest.raises(ValueError, match="distill_weight > 0 needs soft_targets"):
            model.fit(TEXTS, LABELS, config=TINY.model_copy(update={"distill_weight": 0.5}))
        with pytest.raises(ValueError, match=r"soft_targets must have shape \(32, 2\)"):
            model.fit(TEXTS, LABELS, config=TINY, soft_targets=np.ones((3, 2)) / 2)
        with pytest.raises(ValueError, match="probability distributions"):
            model.fit(TEXTS, LABELS, config=TINY, soft_targets=np.ones((32, 2)))
        with pytest.raises(ValueError, match="need unlabelled_targets"):
            model.fit(TEXTS, LABELS, config=TINY, unlabelled_texts=["no teacher"])

    def test_layer_decay_gives_lower_layers_lower_rates(self) -> None:
        model = ToneClassifier.from_base(["gloomy", "upbeat"])
        optimizer = model._optimizer(TINY.model_copy(update={"layer_lr_decay": 0.5}))
        rate_of = {id(p): group["lr"] for group in optimizer.param_groups for p in group["params"]}
        named = dict(model._module.named_parameters())
        head = rate_of[id(named["head.weight"])]
        top = rate_of[id(named["encoder.encoder.layer.5.attention.self.query.weight"])]
        bottom = rate_of[id(named["encoder.encoder.layer.0.attention.self.query.weight"])]
        embeddings = rate_of[id(named["encoder.embeddings.word_embeddings.weight"])]
        assert head == pytest.approx(TINY.learning_rate)
        assert top == pytest.approx(head * 0.5)
        assert bottom == pytest.approx(head * 0.5**6)
        assert embeddings == pytest.approx(head * 0.5**7)
        plain = model._optimizer(TINY)
        assert {group["lr"] for group in plain.param_groups} == {TINY.learning_rate}


def test_distillation_pool_never_holds_an_emotion_text(tmp_path: Path) -> None:
    """The unlabelled tweets of bench/tone_distill.py: a tweet of the yardstick (any split) is left out."""
    import pandas as pd

    from bench.tone_distill import unlabelled_pool

    irony = tmp_path / "tweeteval" / "irony"
    irony.mkdir(parents=True)
    (irony / "train_text.txt").write_text(
        "Great, another Monday #not\nThe test tweet itself 😀 http://t.co/x\n"
    )
    (irony / "val_text.txt").write_text("short\nGreat, another Monday #not\n")
    (irony / "test_text.txt").write_text("")
    exports = tmp_path / "twitter_yumbrands"
    exports.mkdir()
    pd.DataFrame({"text": ["A brand new menu today", "the test tweet itself 😀 http://t.co/y"]}).to_csv(
        exports / "yum_tweets_10_years.csv"
    )
    frame = pd.DataFrame({"text": ["The test tweet itself 😀 http://t.co/abc"], "split": ["test"]})
    pool = unlabelled_pool(frame, tmp_path)
    assert pool == {"irony": ["Great, another Monday #not"], "exports": ["A brand new menu today"]}
