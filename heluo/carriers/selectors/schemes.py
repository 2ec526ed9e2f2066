"""The evaluation schemes and the round's workflow, as the data files declare them."""

from pathlib import Path

from heluo.core import workflow

from ..engine import scoring

DATA = Path(__file__).resolve().parents[1] / "data"
SCHEME_FILE = DATA / "evaluation-schemes.json"


def schemes() -> dict[str, scoring.Scheme]:
    return scoring.load(SCHEME_FILE)[0]


def rules() -> scoring.Rules:
    return scoring.load(SCHEME_FILE)[1]


def round_workflow() -> workflow.Workflow:
    return workflow.load(DATA / "round-workflow.json")


def grade_label(code: str) -> tuple[str, str]:
    g = next((g for g in rules().grades if g.code == code), None)
    return (g.zh, g.en) if g else ("", "")


def recompute(evaluation):
    """An evaluation's score computed again from the scheme file, its stored figures and its experts' marks."""
    marks = [a.mark for a in evaluation.assignments.all() if a.mark is not None]
    return scoring.score(schemes()[evaluation.platform.kind], evaluation.figures, marks, rules())
