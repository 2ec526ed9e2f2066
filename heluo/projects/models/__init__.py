"""Science projects' records, one module per part (each imported here so that Django finds its models)."""

from .applications import (  # noqa: F401
    Application,
    ApplicationAnswer,
    ApplicationAttachment,
    ApplicationEvent,
    ApplicationStatus,
    BudgetLine,
    Participant,
)
from .calls import Call, CallStatus  # noqa: F401
from .challenges import Award, Bid, BidStatus, Challenge, ChallengeEvent, ChallengeMode, ChallengeStatus  # noqa: F401
from .inspections import InspectionDraw, InspectionItem, InspectionResult  # noqa: F401
from .integrity import IntegrityRecord, IntegrityScope  # noqa: F401
from .projects import (  # noqa: F401
    Acceptance,
    AcceptanceExpert,
    ChangeRequest,
    Indicator,
    Milestone,
    MilestoneStatus,
    Payment,
    PerformanceEvaluation,
    ProgressReport,
    Project,
    ProjectContract,
    ProjectEvent,
    ProjectResult,
    ProjectStatus,
)
from .review import (  # noqa: F401
    AggregationMethod,
    AssignmentStatus,
    ConflictDeclaration,
    ReviewAssignment,
    ReviewPanel,
    ReviewSheet,
    Rubric,
)
