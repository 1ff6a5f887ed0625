"""The lens: statistics on scan answers. Pure Python, no Django.

Answers come in long form (one row per respondent and item); results come
back as plain dataclasses. Every page, export, report and command uses this
package, so a number is computed in one place only. Formulas and references:
docs/statistics.md.
"""

from .engine import Context, analyze, analyze_rounds, perspective_scores, trends
from .frame import (
    COLUMNS,
    QUESTION_COLUMNS,
    AnswersError,
    answers_frame,
    answers_table,
    empty_questions,
    questions_frame,
)
from .results import AnalysisResult, GroupSummary, RoundsResult, Stat
from .suppression import Plan, joint_plan

__all__ = [
    "COLUMNS",
    "QUESTION_COLUMNS",
    "AnalysisResult",
    "AnswersError",
    "Context",
    "GroupSummary",
    "Plan",
    "RoundsResult",
    "Stat",
    "analyze",
    "analyze_rounds",
    "answers_frame",
    "answers_table",
    "empty_questions",
    "joint_plan",
    "perspective_scores",
    "questions_frame",
    "trends",
]
