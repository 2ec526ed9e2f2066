"""The technology market's records, one module per part (each imported here so that Django finds its models)."""

from .demands import CampaignTarget, Confidentiality, Demand, DemandCampaign, DemandEvent, DemandStatus

__all__ = ["CampaignTarget", "Confidentiality", "Demand", "DemandCampaign", "DemandEvent", "DemandStatus"]
