"""The chart functions. Each returns SVG text plus what a screen reader needs."""

from __future__ import annotations

import base64
import io
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import matplotlib
import matplotlib.ticker
from matplotlib.figure import Figure

# Only matplotlib's object API is used: every chart draws on its own Figure,
# never through pyplot's global "current figure", so threads of one worker
# can draw at the same time.

# Okabe & Ito (2008): distinguishable with every common colour-vision deficiency.
PALETTE = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#D55E00",  # vermillion
    "#F0E442",  # yellow
    "#000000",  # black
)
# With more partners than colours, line styles tell them apart.
LINESTYLES = ("-", "--", ":", "-.")
OVERALL = "#595959"
INK = "#1d2433"
GRID = "#d5d9e2"

matplotlib.rcParams.update(
    {
        "svg.fonttype": "none",  # real text: selectable, searchable, small
        "svg.hashsalt": "alliancelens",  # stable ids, so output is reproducible
        "font.family": "DejaVu Sans",
        "font.size": 9,
        "axes.edgecolor": GRID,
        "axes.labelcolor": INK,
        "xtick.color": INK,
        "ytick.color": INK,
        "axes.spines.top": False,
        "axes.spines.right": False,
    }
)


@dataclass(frozen=True)
class Chart:
    svg: str
    title: str
    alt: str
    columns: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)

    @property
    def width_px(self) -> float:
        """The drawing's own width in CSS pixels (matplotlib writes points)."""
        found = re.search(r'<svg[^>]*\bwidth="([\d.]+)pt"', self.svg)
        return float(found.group(1)) * 4 / 3 if found else 640.0

    @property
    def phone_class(self) -> str:
        """How wide the chart stays on a phone (app.css), so that its 9 pt
        text is drawn at no less than three quarters of its size and scrolls
        sideways instead: "narrow" up to 640 px, "wide" up to 960, "wider"."""
        if self.width_px <= 640:
            return "narrow"
        return "wide" if self.width_px <= 960 else "wider"

    @property
    def data_uri(self) -> str:
        """For <img src>: the same bytes on the web page and in the PDF."""
        return "data:image/svg+xml;base64," + base64.b64encode(self.svg.encode()).decode()


def partner_colours(names: Sequence[str]) -> dict[str, tuple[str, str]]:
    """Colour and line style per partner, fixed by the sorted order of all names."""
    return {
        name: (PALETTE[i % len(PALETTE)], LINESTYLES[(i // len(PALETTE)) % len(LINESTYLES)])
        for i, name in enumerate(sorted(names))
    }


def _svg(fig: Figure) -> str:
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    text = buffer.getvalue()
    return text[text.index("<svg") :]


# The decimal sign per language: 3,25 in Dutch, 3.25 in English.
DECIMAL_SIGN = {"nl": ",", "en": "."}


def _decimal_sign(lang: str) -> str:
    try:
        return DECIMAL_SIGN[lang.split("-")[0].lower()]  # en-gb writes as en
    except KeyError:
        raise ValueError(
            f"no number format for language {lang!r}; known: {', '.join(DECIMAL_SIGN)}"
        ) from None


def _fmt(value: float | None, digits: int = 2, *, lang: str) -> str:
    if value is None:
        return "–"
    return f"{value:.{digits}f}".replace(".", _decimal_sign(lang))


class _TickFormatter(matplotlib.ticker.ScalarFormatter):
    """Matplotlib's own tick labels (same digits, same choice of ticks),
    written with the language's decimal sign."""

    def __init__(self, lang: str) -> None:
        super().__init__()
        self.decimal_sign = _decimal_sign(lang)

    def __call__(self, x: float, pos: int | None = None) -> str:
        return str(super().__call__(x, pos)).replace(".", self.decimal_sign)

    def get_offset(self) -> str:
        return str(super().get_offset()).replace(".", self.decimal_sign)


def radar_chart(
    title: str,
    axes: Sequence[str],
    series: Mapping[str, Sequence[float | None]],
    colours: Mapping[str, tuple[str, str]],
    *,
    overall_label: str,
    scale: tuple[int, int] = (1, 5),
    lang: str = "en",
) -> Chart:
    """One polygon per partner, plus the overall one (grey, thick)."""
    n = len(axes)
    angles = [2 * math.pi * i / n for i in range(n)] + [0.0]
    fig = Figure(figsize=(5.6, 4.6))
    ax: Any = fig.add_subplot(projection="polar")  # a PolarAxes
    ax.set_theta_offset(math.pi / 2)
    ax.set_theta_direction(-1)
    ax.set_ylim(scale[0] - 0.5, scale[1])
    ax.set_yticks(range(scale[0], scale[1] + 1))
    ax.yaxis.set_major_formatter(_TickFormatter(lang))
    ax.set_xticks(angles[:-1])
    ax.set_xticklabels(axes)
    ax.grid(color=GRID)
    for name, values in series.items():
        points = [v if v is not None else math.nan for v in values]
        points.append(points[0])
        if name == overall_label:
            ax.plot(angles, points, color=OVERALL, linewidth=3, label=name)
        else:
            colour, style = colours[name]
            ax.plot(angles, points, color=colour, linestyle=style, linewidth=1.6, label=name)
    ax.legend(loc="upper left", bbox_to_anchor=(1.05, 1.05), frameon=False)
    rows = [[name, *(_fmt(v, lang=lang) for v in values)] for name, values in series.items()]
    alt = f"{title}. " + " ".join(
        f"{name}: "
        + ", ".join(f"{a} {_fmt(v, lang=lang)}" for a, v in zip(axes, values, strict=True))
        + "."
        for name, values in series.items()
    )
    return Chart(_svg(fig), title, alt, ["", *axes], rows)


def heatmap(
    title: str,
    rows: Sequence[str],
    columns: Sequence[str],
    values: Sequence[Sequence[float | None]],
    *,
    highlight: Sequence[bool],
    hidden_label: str,
    scale: tuple[int, int] = (1, 5),
    lang: str = "en",
) -> Chart:
    """Items × partners; highlighted rows (divergent items) get a marker and bold label."""
    import numpy as np

    data = np.array([[math.nan if v is None else v for v in row] for row in values], dtype=float)
    height = max(2.5, 0.28 * len(rows) + 1.2)
    fig = Figure(figsize=(1.1 * len(columns) + 4.2, height))
    ax = fig.subplots()
    image = ax.imshow(data, cmap="cividis", vmin=scale[0], vmax=scale[1], aspect="auto")
    ax.set_xticks(range(len(columns)))
    ax.set_xticklabels(columns, rotation=30, ha="right")
    ax.set_yticks(range(len(rows)))
    labels = [("▶ " if h else "") + r for r, h in zip(rows, highlight, strict=True)]
    ax.set_yticklabels(labels)
    for tick, h in zip(ax.get_yticklabels(), highlight, strict=True):
        if h:
            tick.set_fontweight("bold")
    for i, row in enumerate(data):
        for j, v in enumerate(row):
            text = hidden_label if math.isnan(v) else _fmt(v, 1, lang=lang)
            colour = INK if math.isnan(v) or v > (scale[0] + scale[1]) / 2 else "white"
            ax.text(j, i, text, ha="center", va="center", fontsize=7, color=colour)
    fig.colorbar(image, ax=ax, fraction=0.03, format=_TickFormatter(lang))
    table = [[r, *(_fmt(v, lang=lang) for v in row)] for r, row in zip(rows, values, strict=True)]
    flagged = [r for r, h in zip(rows, highlight, strict=True) if h]
    alt = f"{title}. {len(rows)} × {len(columns)}." + (
        " ▶: " + "; ".join(flagged) if flagged else ""
    )
    return Chart(_svg(fig), title, alt, ["", *columns], table)


def bar_chart(
    title: str,
    categories: Sequence[str],
    series: Mapping[str, Sequence[float | None]],
    colours: Mapping[str, str],
    *,
    limits: tuple[float, float] = (1, 5),
    marker: str | None = None,
    lang: str = "en",
) -> Chart:
    """Grouped bars: one group per category, one bar per series."""
    fig = Figure(figsize=(6.4, 3.2))
    ax = fig.subplots()
    width = 0.8 / max(1, len(series))
    for k, (name, values) in enumerate(series.items()):
        xs = [i + (k - (len(series) - 1) / 2) * width for i in range(len(categories))]
        ax.bar(
            xs, [v if v is not None else 0 for v in values], width, label=name, color=colours[name]
        )
    ax.set_xticks(range(len(categories)))
    ax.set_xticklabels(categories)
    ax.set_ylim(*limits)
    ax.yaxis.set_major_formatter(_TickFormatter(lang))
    ax.grid(axis="y", color=GRID)
    if marker is not None and marker in categories:
        index = list(categories).index(marker)
        ax.annotate("▼", (index, limits[1]), ha="center", va="bottom", color=INK)
    if len(series) > 1:
        ax.legend(frameon=False, ncols=min(3, len(series)))
    rows = [[name, *(_fmt(v, lang=lang) for v in values)] for name, values in series.items()]
    alt = f"{title}. " + " ".join(
        f"{name}: "
        + ", ".join(f"{c} {_fmt(v, lang=lang)}" for c, v in zip(categories, values, strict=True))
        + "."
        for name, values in series.items()
    )
    return Chart(_svg(fig), title, alt, ["", *categories], rows)


def distribution_chart(
    title: str,
    rows: Sequence[str],
    counts: Sequence[Mapping[str, int]],
    categories: Sequence[tuple[str, str]],
) -> Chart:
    """100 % stacked bars per item: how answers spread over the scale."""
    import numpy as np

    colours = ["#B2182B", "#EF8A62", "#E0E0E0", "#67A9CF", "#2166AC", "#FFFFFF"]
    totals = [max(1, sum(c.values())) for c in counts]
    fig = Figure(figsize=(7.2, max(2.0, 0.3 * len(rows) + 1.0)))
    ax = fig.subplots()
    left = np.zeros(len(rows))
    for (key, label), colour in zip(categories, colours, strict=False):
        shares = np.array([c.get(key, 0) / t for c, t in zip(counts, totals, strict=True)])
        ax.barh(range(len(rows)), shares, left=left, color=colour, edgecolor=GRID, label=label)
        left += shares
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels(rows)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    # Whole percentages (0 % to 100 %): no decimal sign to put in the language.
    ax.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.legend(
        loc="upper center", bbox_to_anchor=(0.5, -0.08), ncols=len(categories), frameon=False
    )
    table = [
        [r, *(str(c.get(k, 0)) for k, _ in categories)] for r, c in zip(rows, counts, strict=True)
    ]
    alt = f"{title}. " + " ".join(
        f"{r}: " + ", ".join(f"{label} {c.get(k, 0)}" for k, label in categories) + "."
        for r, c in zip(rows, counts, strict=True)
    )
    return Chart(_svg(fig), title, alt, ["", *(label for _, label in categories)], table)


def line_chart(
    title: str,
    x_labels: Sequence[str],
    series: Mapping[str, Sequence[float | None]],
    colours: Mapping[str, str],
    *,
    limits: tuple[float, float] = (1, 5),
    lang: str = "en",
) -> Chart:
    """Trend lines across rounds."""
    fig = Figure(figsize=(6.4, 3.2))
    ax = fig.subplots()
    for name, values in series.items():
        ax.plot(
            range(len(x_labels)),
            [v if v is not None else math.nan for v in values],
            marker="o",
            color=colours[name],
            label=name,
        )
    ax.set_xticks(range(len(x_labels)))
    ax.set_xticklabels(x_labels)
    ax.set_ylim(*limits)
    ax.yaxis.set_major_formatter(_TickFormatter(lang))
    ax.grid(axis="y", color=GRID)
    ax.legend(frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    rows = [[name, *(_fmt(v, lang=lang) for v in values)] for name, values in series.items()]
    alt = f"{title}. " + " ".join(
        f"{name}: " + " → ".join(_fmt(v, lang=lang) for v in values) + "."
        for name, values in series.items()
    )
    return Chart(_svg(fig), title, alt, ["", *x_labels], rows)


def dumbbell_chart(
    title: str,
    rows: Sequence[str],
    left: Sequence[float | None],
    right: Sequence[float | None],
    labels: tuple[str, str],
    colours: Mapping[str, tuple[str, str]],
    *,
    limits: tuple[float, float] = (1, 5),
    lang: str = "en",
) -> Chart:
    """Two values per row joined by a line: gets (○) versus brings (●)."""
    fig = Figure(figsize=(6.4, max(1.8, 0.45 * len(rows) + 0.8)))
    ax = fig.subplots()
    for i, (name, a, b) in enumerate(zip(rows, left, right, strict=True)):
        colour = colours.get(name, (INK, "-"))[0]
        if a is not None and b is not None:
            ax.plot([a, b], [i, i], color=GRID, linewidth=3, zorder=1)
        if a is not None:
            ax.scatter([a], [i], s=60, facecolor="white", edgecolor=colour, zorder=2)
        if b is not None:
            ax.scatter([b], [i], s=60, color=colour, zorder=2)
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels(rows)
    ax.invert_yaxis()
    ax.set_xlim(*limits)
    ax.xaxis.set_major_formatter(_TickFormatter(lang))
    ax.grid(axis="x", color=GRID)
    ax.set_xlabel(f"○ {labels[0]}   ● {labels[1]}")
    table = [
        [r, _fmt(a, lang=lang), _fmt(b, lang=lang)]
        for r, a, b in zip(rows, left, right, strict=True)
    ]
    alt = f"{title}. " + " ".join(
        f"{r}: {labels[0]} {_fmt(a, lang=lang)}, {labels[1]} {_fmt(b, lang=lang)}."
        for r, a, b in zip(rows, left, right, strict=True)
    )
    return Chart(_svg(fig), title, alt, ["", *labels], table)


def amount(value: float, lang: str) -> str:
    """An amount as the reader writes it: whole numbers without decimals,
    thousands grouped (12.000,50 in Dutch, 12,000.50 in English)."""
    digits = 0 if float(value).is_integer() else 2
    text = f"{value:,.{digits}f}"
    if _decimal_sign(lang) == ",":
        text = text.translate(str.maketrans(",.", ".,"))
    return text


@dataclass(frozen=True)
class GridPoint:
    """A stakeholder on the influence × concern grid (both 1–5)."""

    name: str
    influence: int
    concern: int
    blind_spot: bool = False


def _short(text: str, width: int = 24) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def stakeholder_grid(
    points: Sequence[GridPoint],
    lang: str = "en",
    *,
    title: str,
    influence_label: str,
    concern_label: str,
    party_label: str,
    blind_spot_label: str,
    other_label: str,
) -> Chart:
    """Stakeholders by how much they care (x) and how much they can sway (y).

    The five-by-five cells hold their parties' names one below another, so
    that two parties with the same scores never hide each other; blind spots
    are vermillion diamonds, the others blue circles (shape and colour)."""
    fig = Figure(figsize=(9.0, 6.4))
    ax = fig.subplots()
    ax.set_xlim(0.5, 5.5)
    ax.set_ylim(0.5, 5.5)
    ax.set_xticks(range(1, 6))
    ax.set_yticks(range(1, 6))
    ax.set_xlabel(concern_label)
    ax.set_ylabel(influence_label)
    for edge in (1.5, 2.5, 3.5, 4.5):
        ax.axvline(edge, color=GRID, linewidth=0.6, zorder=0)
        ax.axhline(edge, color=GRID, linewidth=0.6, zorder=0)
    # The quadrant that matters most (cares a lot and can sway a lot).
    ax.axvspan(3.5, 5.5, ymin=0.6, ymax=1.0, color="#eef3fa", zorder=-1)
    cells: dict[tuple[int, int], list[GridPoint]] = {}
    for point in points:
        cells.setdefault((point.concern, point.influence), []).append(point)
    placed: dict[bool, list[tuple[float, float]]] = {True: [], False: []}
    for (x, y), members in cells.items():
        shown = members[:5]
        step = 0.8 / max(len(shown), 1)
        for i, point in enumerate(shown):
            py = y + 0.4 - step * (i + 0.5)
            placed[point.blind_spot].append((x - 0.4, py))
            ax.text(
                x - 0.3,
                py,
                _short(point.name, 22),
                va="center",
                ha="left",
                fontsize=7.5,
                color=INK,
                fontweight="bold" if point.blind_spot else "normal",
            )
        if len(members) > len(shown):
            ax.text(x + 0.45, y - 0.45, f"+{len(members) - len(shown)}", ha="right", fontsize=7)
    for blind, where in placed.items():
        if not where:
            continue
        ax.scatter(
            [p[0] for p in where],
            [p[1] for p in where],
            s=42 if blind else 30,
            marker="D" if blind else "o",
            color=PALETTE[5] if blind else PALETTE[0],
            edgecolor=INK if blind else "white",
            linewidth=0.6,
            label=blind_spot_label if blind else other_label,
            gid="blind-spots" if blind else "stakeholders",
            zorder=3,
        )
    if points:
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.09), ncols=2, frameon=False)
    ordered = sorted(points, key=lambda p: (-p.influence, -p.concern, p.name))
    rows = [
        [p.name, str(p.influence), str(p.concern), blind_spot_label if p.blind_spot else ""]
        for p in ordered
    ]
    alt = f"{title}. " + " ".join(
        f"{p.name}: {influence_label} {p.influence}, {concern_label} {p.concern}"
        + (f", {blind_spot_label}" if p.blind_spot else "")
        + "."
        for p in ordered
    )
    return Chart(
        _svg(fig),
        title,
        alt,
        [party_label, influence_label, concern_label, blind_spot_label],
        rows,
    )


@dataclass(frozen=True)
class BalanceRow:
    """One partner's total for one direction and unit: pledged and delivered."""

    label: str
    pledged: float
    delivered: float


def contribution_balance(
    rows: Sequence[BalanceRow],
    lang: str = "en",
    *,
    title: str,
    what_label: str,
    pledged_label: str,
    delivered_label: str,
    share_label: str,
) -> Chart:
    """Delivered as a share of pledged, one bar per direction and unit.

    Shares, not amounts, share the axis: euros and hours are never drawn on
    one scale. Each bar is labelled with its amounts."""
    fig = Figure(figsize=(6.4, max(1.6, 0.5 * len(rows) + 0.9)))
    ax = fig.subplots()
    shares = [100 * r.delivered / r.pledged if r.pledged else 0.0 for r in rows]
    ax.barh(range(len(rows)), [100] * len(rows), color="white", edgecolor=PALETTE[0], height=0.6)
    ax.barh(range(len(rows)), [min(s, 150) for s in shares], color=PALETTE[0], height=0.6)
    for i, r in enumerate(rows):
        ax.text(
            max(min(shares[i], 150), 100) + 2,
            i,
            f"{amount(r.delivered, lang)} / {amount(r.pledged, lang)}",
            va="center",
            fontsize=7.5,
            color=INK,
        )
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([_short(r.label, 36) for r in rows])
    ax.invert_yaxis()
    ax.set_xlim(0, 190)
    ax.set_xticks([0, 25, 50, 75, 100, 125, 150])
    # Whole percentages: no decimal sign to put in the language.
    ax.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(100))
    ax.axvline(100, color=INK, linewidth=0.8)
    ax.set_xlabel(share_label)
    table = [
        [
            r.label,
            amount(r.pledged, lang),
            amount(r.delivered, lang),
            _fmt(s, 0, lang=lang) + " %" if r.pledged else "–",
        ]
        for r, s in zip(rows, shares, strict=True)
    ]
    alt = f"{title}. " + " ".join(
        f"{r.label}: {delivered_label} {amount(r.delivered, lang)}, {pledged_label} "
        f"{amount(r.pledged, lang)}" + (f" ({_fmt(s, 0, lang=lang)} %)." if r.pledged else ".")
        for r, s in zip(rows, shares, strict=True)
    )
    return Chart(
        _svg(fig), title, alt, [what_label, pledged_label, delivered_label, share_label], table
    )
