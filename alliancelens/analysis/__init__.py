"""The lens: statistics on scan answers. Pure Python, no Django.

Answers come in long form (one row per respondent and item); results come
back as plain dataclasses. Every page, export, report and command uses this
package, so a number is computed in one place only. Formulas and references:
docs/statistics.md.
"""

from .engine import AnalysisResult, GroupSummary, Stat, analyze
from .frame import COLUMNS, AnswersError, answers_frame
from .suppression import suppressed_groups

__all__ = [
    "COLUMNS",
    "AnalysisResult",
    "AnswersError",
    "GroupSummary",
    "Stat",
    "analyze",
    "answers_frame",
    "suppressed_groups",
]
