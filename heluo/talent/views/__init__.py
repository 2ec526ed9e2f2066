"""Talent programmes' pages."""
