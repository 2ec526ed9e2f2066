"""The technology market's records, one module per part (each imported here so that Django finds its models)."""

from .achievements import (  # noqa: F401
    Achievement,
    AchievementAttachment,
    AchievementEvent,
    AchievementIP,
    AchievementStatus,
    IPKind,
    TransferMode,
)
from .brokering import Brokering, BrokeringEvent, BrokeringStatus, BrokeringStep, EventParticipant  # noqa: F401
from .chains import ChainAttachment, ChainLink, IndustryChain, Stage  # noqa: F401
from .contracts import (  # noqa: F401
    BuyerLocation,
    ContractEvent,
    ContractSource,
    ContractState,
    ContractType,
    RegistrationSequence,
    TechnologyContract,
)
from .demands import CampaignTarget, Confidentiality, Demand, DemandCampaign, DemandEvent, DemandStatus  # noqa: F401
