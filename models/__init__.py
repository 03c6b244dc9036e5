"""Postwright models package."""
