from .evaluation import Consequence, Evaluation, EvaluationEvent, EvaluationRound, ExpertAssignment
from .pilot import PilotService

__all__ = ["Consequence", "Evaluation", "EvaluationEvent", "EvaluationRound", "ExpertAssignment", "PilotService"]
