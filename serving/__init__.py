"""Postwright serving package."""
