"""Talent programmes' pure rules: the programmes' data, eligibility with its explanation, obligations, the map's
bands and the shortage catalogue. No Django: tested directly."""
