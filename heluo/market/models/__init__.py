"""The technology market's records, one module per part (each imported here so that Django finds its models)."""

from .achievements import Achievement, AchievementAttachment, AchievementEvent, AchievementIP, AchievementStatus, IPKind, TransferMode

__all__ = ["Achievement", "AchievementAttachment", "AchievementEvent", "AchievementIP", "AchievementStatus", "IPKind", "TransferMode"]
