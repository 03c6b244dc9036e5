"""Declarative base and the registry of every table (for Alembic)."""
