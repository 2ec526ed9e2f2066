"""Writes of plan monitoring data: observations (a new value supersedes, never overwrites) and stored
assessment runs."""

from .assessment import record_assessment_run
from .observations import METADATA_FIELDS, observation_record, relink

__all__ = ["METADATA_FIELDS", "observation_record", "record_assessment_run", "relink"]
