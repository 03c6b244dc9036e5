"""How much a text sounds like its author: a profile from their own posts and a calibrated score."""
