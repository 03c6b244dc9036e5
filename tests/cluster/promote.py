"""Train a quick tone model and promote it through the tracking server (MLFLOW_TRACKING_URI); print its
version last. The cluster test runs it while it watches both replicas of the tone service."""

from __future__ import annotations

from models.tone.quick import EmbeddingToneClassifier
from testkit.support import publish_champion, tiny_tone_rows


def main() -> None:
    rows = tiny_tone_rows()
    labels = sorted({row["label"] for row in rows})
    tone = EmbeddingToneClassifier(labels).fit([r["text"] for r in rows], [r["label"] for r in rows])
    print(publish_champion(tone, [r["text"] for r in rows[:3]]), flush=True)


if __name__ == "__main__":
    main()
