"""Champions for the end-to-end run of the web app: `python -m tests.web.prepare_models`.

A quick tone model (logistic regression on MiniLM embeddings of the tiny three-tone set) and an engagement
model trained on synthetic posts, both logged, registered and promoted through the real ML layer, in the
registry named by MLFLOW_TRACKING_URI (and the Bento store under BENTOML_HOME).
"""

from __future__ import annotations

from models.tone.quick import EmbeddingToneClassifier
from testkit.support import (
    publish_champion,
    publish_engagement_champion,
    tiny_tone_rows,
    train_synthetic_engagement_model,
)


def main() -> None:
    rows = tiny_tone_rows()
    labels = sorted({row["label"] for row in rows})
    tone = EmbeddingToneClassifier(labels).fit([r["text"] for r in rows], [r["label"] for r in rows])
    print("tone-classifier champion:", publish_champion(tone, [r["text"] for r in rows[:3]]))
    model, usable = train_synthetic_engagement_model()
    print("engagement-model champion:", publish_engagement_champion(model, usable))


if __name__ == "__main__":
    main()
