"""Cultivation's stored records: evaluation runs, pools and service work, benefits and points lists."""

from .benefits import BankListExport, BenefitGrant, BenefitList, BenefitListStatus, BenefitPolicy  # noqa: F401
from .evaluation import EvaluationResult, EvaluationRun, Outcome, enterprise_q  # noqa: F401
from .rulesets import CustomRuleSet  # noqa: F401
from .work import PoolEntry, PoolSource, ServiceAssignment, ServiceRecord, ServiceRecordKind, ServiceRecordStatus  # noqa: F401
