"""Benchmark the analysis engine: 10,000 respondents × 40 items × 20 partners.

Run with `make bench`. Prints, measured in the same run:
- analyze() against a numpy floor that computes the core figures (n, mean
  and variance per alliance, partner, level and partner × level for every
  statement, and every respondent's perspective scores) from the same
  strings with one factorisation and bincounts: target analyze() within 3x;
- `alliancelens analyze` on the same answers as a CSV file against a pandas
  process that reads that CSV and computes the basic figures: target 2x.
Nothing here asserts; the figures go into docs/benchmarks.md.
"""

from __future__ import annotations

import platform
import statistics
import subprocess
import sys
import tempfile
import time
from copy import deepcopy
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from alliancelens.analysis import analyze, engine
from alliancelens.instrument import PERSPECTIVES, parse_instrument
from alliancelens.instrument.loader import DATA_DIR

RESPONDENTS, PARTNERS, PER_PERSPECTIVE = 10_000, 20, 8
TARGET_SECONDS = 1.0


def forty_item_instrument():  # type: ignore[no-untyped-def]
    return parse_instrument(forty_item_data(), source="bench")


def forty_item_data():  # type: ignore[no-untyped-def]
    """Version 1 of the core scan cut to 40 statements (the figures of
    docs/benchmarks.md have always been measured on this shape)."""
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
    return data


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


def numpy_floor(frame: pd.DataFrame, instrument) -> dict[str, np.ndarray]:  # type: ignore[no-untyped-def]
    """The core figures with nothing but a factorisation and bincounts."""
    codes = {c: pd.factorize(frame[c])[0] for c in ("respondent", "partner", "level", "item")}
    sizes = {c: int(codes[c].max()) + 1 for c in codes}
    values = frame["value"].to_numpy(dtype=float)
    answered = ~np.isnan(values)
    cell = (codes["partner"] * sizes["level"] + codes["level"]) * sizes["item"] + codes["item"]
    cell, x = cell[answered], values[answered]
    shape = (sizes["partner"], sizes["level"], sizes["item"])
    length = int(np.prod(shape))
    n = np.bincount(cell, minlength=length).reshape(shape).astype(float)
    total = np.bincount(cell, x, minlength=length).reshape(shape)
    squares = np.bincount(cell, x * x, minlength=length).reshape(shape)
    out: dict[str, np.ndarray] = {}
    for name, axes in (("cell", ()), ("partner", (1,)), ("level", (0,)), ("alliance", (0, 1))):
        cn, cs, cq = (a.sum(axis=axes) if axes else a for a in (n, total, squares))
        with np.errstate(invalid="ignore", divide="ignore"):
            out[f"{name}.mean"] = cs / cn
            out[f"{name}.var"] = (cq - cs * cs / cn) / (cn - 1)
    perspective_of = {i.id: PERSPECTIVES.index(i.perspective) for i in instrument.items}
    item_names = pd.unique(frame["item"])
    item_perspective = np.array([perspective_of[str(i)] for i in item_names])
    slot = (
        codes["respondent"][answered] * len(PERSPECTIVES)
        + item_perspective[codes["item"]][answered]
    )
    people = sizes["respondent"] * len(PERSPECTIVES)
    counts = np.bincount(slot, minlength=people)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["scores"] = np.bincount(slot, x, minlength=people) / counts
    return out


def cli_against_pandas(frame: pd.DataFrame) -> tuple[float, float]:
    """Seconds of `alliancelens analyze` and of a pandas process on the same CSV."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "answers.csv"
        frame.to_csv(path, index=False)
        # The CLI reads the same 40-statement instrument from a file.
        instrument_file = Path(tmp) / "reflection-core" / "v1.yaml"
        instrument_file.parent.mkdir()
        instrument_file.write_text(yaml.safe_dump(forty_item_data()), encoding="utf-8")
        pandas_code = (
            "import pandas as pd, sys; f = pd.read_csv(sys.argv[1]); "
            "f.groupby(['partner', 'level', 'item'])['value'].agg(['mean', 'std', 'count']); "
            "f.groupby('item')['value'].agg(['mean', 'std', 'count'])"
        )
        timings = []
        for command in (
            [
                sys.executable,
                "-m",
                "alliancelens",
                "analyze",
                str(path),
                "--instrument",
                str(instrument_file),
            ],
            [sys.executable, "-c", pandas_code, str(path)],
        ):
            runs = []
            for _ in range(3):
                start = time.perf_counter()
                subprocess.run(command, check=True, stdout=subprocess.DEVNULL)  # noqa: S603
                runs.append(time.perf_counter() - start)
            timings.append(statistics.median(runs))
    return timings[0], timings[1]


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
        # The engine keeps the suppression plans of rounds it has seen (a
        # publication analyses earlier rounds again): forget them, so each
        # run plans and audits afresh.
        engine._PLANS.clear()
        start = time.perf_counter()
        result = analyze(frame, instrument, k=3)
        times.append(time.perf_counter() - start)
    median = statistics.median(times)
    print(
        f"analyze(): min {min(times):.3f} s, median {median:.3f} s, "
        f"max {max(times):.3f} s over 5 runs"
    )
    print(f"target {TARGET_SECONDS:.1f} s: median is {median / TARGET_SECONDS:.2f} × the target")
    numpy_floor(frame, instrument)
    floors = []
    for _ in range(5):
        start = time.perf_counter()
        numpy_floor(frame, instrument)
        floors.append(time.perf_counter() - start)
    floor = statistics.median(floors)
    ratio = median / floor
    print(
        f"numpy floor (factorise + bincount): median {floor:.3f} s; "
        f"analyze() / floor = {ratio:.1f}x  target <= 3x: {'met' if ratio <= 3 else 'MISSED'}"
    )
    cli, pandas_process = cli_against_pandas(frame)
    cli_ratio = cli / pandas_process
    print(
        f"CLI `alliancelens analyze` on the CSV: median {cli:.2f} s; pandas process reading it "
        f"and computing the basic figures: {pandas_process:.2f} s; ratio {cli_ratio:.1f}x  "
        f"target <= 2x: {'met' if cli_ratio <= 2 else 'MISSED'}"
    )
    print(
        f"result: n={result.n_respondents}, {len(result.partners)} partners, "
        f"{len(result.partner_levels)} partner × level cells, "
        f"{len(result.divergence)} divergences, "
        f"{len(result.advice)} advice"
    )


if __name__ == "__main__":
    main()
