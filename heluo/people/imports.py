"""Placeholder until the people import lands."""
