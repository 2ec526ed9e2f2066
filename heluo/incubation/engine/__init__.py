"""Incubation's pure computation (no Django): the chain's stages and the graduation check, from data/."""
