"""Talent programmes' records, one module per part (each imported here so that Django finds its models)."""

from .cards import Card, CardProvider, CardUse, SkillNeed, Talent  # noqa: F401
from .rounds import Application, ApplicationStatus, Award, Payment, Review, Round, RoundStatus, ServiceCheck, TalentEvent  # noqa: F401
