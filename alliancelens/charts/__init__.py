"""Server-side SVG charts (matplotlib), the same for web pages and PDF reports.

Pure Python, no Django: each function takes numbers and labels and returns a
:class:`Chart` with the SVG, a text alternative and the data table behind it.
Partners keep one colour in every chart (colour-blind-safe palette, in the
order of their names).
"""

from .charts import (
    PALETTE,
    Chart,
    bar_chart,
    distribution_chart,
    dumbbell_chart,
    heatmap,
    line_chart,
    partner_colours,
    radar_chart,
)

__all__ = [
    "PALETTE",
    "Chart",
    "bar_chart",
    "distribution_chart",
    "dumbbell_chart",
    "heatmap",
    "line_chart",
    "partner_colours",
    "radar_chart",
]
