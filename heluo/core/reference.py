"""Placeholder: replaced by the reference-data loader."""


def load_city(city):
    return {}
