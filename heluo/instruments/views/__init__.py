"""Shared instruments' pages: one module per part."""
