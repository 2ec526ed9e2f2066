"""Placeholder until the platform import lands."""
