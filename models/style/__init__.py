"""Deterministic style profile of a user's posts, and the MiniLM voice embedding."""

from models.style.embedder import VoiceEmbedder
from models.style.profile import StyleProfile, build_style_profile

__all__ = ["StyleProfile", "VoiceEmbedder", "build_style_profile"]
