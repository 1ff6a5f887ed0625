"""Benchmark the analysis engine: 10,000 respondents × 40 items × 20 partners.

Run with `make bench`. Prints the measured times and the ratio to the
1-second target; nothing here asserts, the figures go into docs/benchmarks.md.
"""

from __future__ import annotations

import platform
import statistics
import sys
import time
from copy import deepcopy

import numpy as np
import pandas as pd
import yaml

from alliancelens.analysis import analyze
from alliancelens.instrument import PERSPECTIVES, parse_instrument
from alliancelens.instrument.loader import DATA_DIR

RESPONDENTS, PARTNERS, PER_PERSPECTIVE = 10_000, 20, 8
TARGET_SECONDS = 1.0


def forty_item_instrument():  # type: ignore[no-untyped-def]
    raw = yaml.safe_load((DATA_DIR / "reflection-core" / "v1.yaml").read_text(encoding="utf-8"))
    data = deepcopy(raw)
    kept = []
    for p in PERSPECTIVES:
        items = [i for i in raw["items"] if i["perspective"] == p]
        if p == "ambition":  # keep every facet
            by_facet = {
                f: [i for i in items if i["facet"] == f]
                for f in ("promise", "commitment", "action")
            }
            items = by_facet["promise"][:3] + by_facet["commitment"][:3] + by_facet["action"][:2]
        kept += items[:PER_PERSPECTIVE]
    data["items"] = kept
    return parse_instrument(data, source="bench")


def answers(instrument, seed: int = 1) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(seed)
    n_items = len(instrument.items)
    respondent = np.repeat(np.arange(RESPONDENTS), n_items)
    partner_of = rng.integers(0, PARTNERS, RESPONDENTS)
    level_of = rng.choice(
        ["board", "management", "professional"], RESPONDENTS, p=[0.15, 0.3, 0.55]
    )
    values = np.clip(np.round(rng.normal(3.2, 1.0, respondent.size)), 1, 5)
    values[rng.random(respondent.size) < 0.04] = np.nan  # don't know
    return pd.DataFrame(
        {
            "respondent": pd.Series(respondent).map(lambda r: f"r{r}"),
            "partner": pd.Series(partner_of[respondent]).map(lambda p: f"Partner {p:02d}"),
            "level": level_of[respondent],
            "round": 1,
            "item": np.tile([i.id for i in instrument.items], RESPONDENTS),
            "value": values,
        }
    )


def main() -> None:
    instrument = forty_item_instrument()
    frame = answers(instrument)
    print(
        f"python {sys.version.split()[0]} on {platform.machine()}, "
        f"numpy {np.__version__}, pandas {pd.__version__}"
    )
    print(
        f"data: {RESPONDENTS:,} respondents × {len(instrument.items)} items × {PARTNERS} partners "
        f"= {len(frame):,} answers"
    )
    analyze(frame, instrument, k=3)  # warm-up: imports, YAML rules
    times = []
    for _ in range(5):
        start = time.perf_counter()
        result = analyze(frame, instrument, k=3)
        times.append(time.perf_counter() - start)
    median = statistics.median(times)
    print(
        f"analyze(): min {min(times):.3f} s, median {median:.3f} s, "
        f"max {max(times):.3f} s over 5 runs"
    )
    print(f"target {TARGET_SECONDS:.1f} s: median is {median / TARGET_SECONDS:.2f} × the target")
    print(
        f"result: n={result.n_respondents}, {len(result.partners)} partners, "
        f"{len(result.partner_levels)} partner × level cells, "
        f"{len(result.divergence)} divergences, "
        f"{len(result.advice)} advice"
    )


if __name__ == "__main__":
    main()
