"""Postwright flows package."""
