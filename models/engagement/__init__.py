"""Engagement prediction relative to the author's own baseline: history features, the model, its reasons."""
