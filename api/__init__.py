"""Postwright api package."""
