"""Incubation's records, one module per part (each imported here so that Django finds its models)."""

from .chain import Carrier, Incubation, IncubationEvent, IncubationStatus, Stage  # noqa: F401
from .mentoring import Availability, MentorEvent, MentorProfile, Pairing, Session, SessionReport, Side  # noqa: F401
