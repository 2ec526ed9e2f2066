"""Writes of the shared-instruments domain: every change is checked here (who may, the rules) and refused with a
bilingual reason (heluo.core.i18n.Refusal)."""
