#!/usr/bin/env python3
"""Peer implementation of ``simm score --format json`` in plain pandas.

This is the script a consultant would otherwise write: read the response
sheet with ``pd.read_csv``, compute item statistics with vectorised column
reductions and stage fulfilment with a groupby, and loop in Python only over
the (few) areas, stages and groups. It is neither artificially slow nor
heroically optimised. The scoring benchmark times it against the Rust tool and
compares its JSON with the tool's number by number (bench/compare.py), so it
implements the same scoring rules exactly:

1. v = (answer - 1) / (A - 1), A = ``[scale] points``; empty cell = no answer
   (an item column absent from the sheet = nobody answered it).
2. Item fulfilment f_i = mean or median (``[scoring] aggregate``) of v over
   the respondents who answered i; null if nobody did.
3. Stage fulfilment F(area, s) = weighted mean (item weights) of the defined
   f_i of the area's items at stage s; null if none is defined.
4. Area stage: start at 1; for s = 2..N go up while F(area, s) >= threshold.
5. Area score = stage + min(1, F(area, stage+1) / threshold) (0 if at stage N
   or F undefined), kept strictly below stage + 1.
6. Overall stage / score = minimum over areas.
7. Consensus r_wg = max(0, 1 - s^2 / sigma^2) per item answered at least
   twice (s^2: sample variance of the raw answers, sigma^2 = (A^2 - 1) / 12);
   area consensus and common_language are means of the defined r_wg.
8. Gap of an area below stage N: F at the next stage and the fewest items of
   that stage which, set to f = 1, lift F to the threshold (greedy by
   weight * (1 - f) descending, ties by item id).
9. ``--group-by ATTR``: the same results per value of the attribute (declared
   values first, other values in string order, empty cells as null last),
   with k-anonymity suppression (``[scoring] anonymity_min``) and
   complementary suppression when exactly one group is suppressed.

Two details follow the engine (crates/simm-core/src/scoring.rs,
docs/scoring.md) beyond the rules above: F >= t allows a tolerance of 1e-9
(F >= t - 1e-9, in rules 4 and 8), and a cell "dk" / "don't know" counts as
no answer like an empty one.

EVALUATION ORDER. The threshold comparisons and the ties of the gap ordering
are discrete, so the peer evaluates in floating point exactly as the engine
does, which makes f, F and the gap keys bit-identical to it:

* mean   f = (sum of (answer - 1)) / n / (A - 1)  (two divisions);
* median f = ((lo - 1) / (A - 1) + (hi - 1) / (A - 1)) / 2, lo and hi the
  lower and upper middle answers;
* F = (sum of w * f) / (sum of w), each sum accumulated left to right in
  model order over the items with a defined f;
* gap: candidates sorted by w * (1 - f) descending, then id; F while raising
  them is summed in that sorted order;
* score = min(stage + min(1, F / t), the largest double below stage + 1).

Only r_wg, consensus and common_language (sums and a variance, never
compared with anything) may differ from the engine in the last bits, well
inside bench/compare.py's 1e-9.

Scope: sheets like bench/gen.py writes (and examples/acme-2026.csv):
comma-delimited UTF-8. Unlike `simm`, the peer does not detect ';' or tab
delimiters, does not trim or case-fold attribute values to their declared
spelling, and does not refuse duplicate respondent ids; answers outside
1..A are refused.

Output: the JSON document of ``simm score --format json`` on stdout.

Usage:
    python bench/peer_pandas.py --model MODEL.toml --responses sheet.csv [--group-by role]
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tomllib

import numpy as np
import pandas as pd


def load_model(path: str) -> dict:
    with open(path, "rb") as fh:
        m = tomllib.load(fh)
    meta = m.get("model", {}) if isinstance(m.get("model"), dict) else {}
    scoring = m.get("scoring", {})
    items = pd.DataFrame(
        [
            {"id": str(i["id"]), "area": str(i["area"]), "stage": int(i["stage"]), "weight": float(i.get("weight", 1.0))}
            for i in m["items"]
        ]
    )
    levels = sorted(int(s["level"]) for s in m["stages"])
    return {
        "id": meta.get("id", m.get("id")),
        "version": meta.get("version", m.get("version")),
        "points": int(m["scale"]["points"]),
        "threshold": scoring["threshold"],
        "aggregate": scoring.get("aggregate", "mean"),
        "anonymity_min": int(scoring.get("anonymity_min", 0)),
        "levels": levels,
        "top": levels[-1],
        "areas": [str(a["id"]) for a in m["areas"]],
        "attributes": {str(a["id"]): [str(v) for v in a.get("values", [])] for a in m.get("attributes", [])},
        "items": items,
    }


def read_sheet(path: str, model: dict, group_by: str | None) -> pd.DataFrame:
    item_ids = list(model["items"]["id"])
    wanted = set(item_ids) | {group_by}
    try:
        df = pd.read_csv(
            path,
            usecols=lambda c: c in wanted,
            dtype={c: "float64" for c in item_ids} | ({group_by: str} if group_by else {}),
            keep_default_na=False,  # "NA", "null", ... are values; only an empty cell is missing
            na_values={c: NO_ANSWER for c in item_ids} | ({group_by: [""]} if group_by else {}),
        )
    except ValueError as e:  # a non-numeric answer
        sys.exit(f"peer_pandas: {path}: {e}")
    if group_by and group_by not in df.columns:
        sys.exit(f"peer_pandas: --group-by {group_by}: no such column in {path}")
    # absent item columns = nobody answered
    answers = df.reindex(columns=([group_by] if group_by else []) + item_ids)
    x = answers[item_ids].to_numpy()
    bad = ~(np.isnan(x) | ((x >= 1) & (x <= model["points"]) & (x == np.floor(x))))
    if bad.any():
        row, col = np.argwhere(bad)[0]
        sys.exit(f"peer_pandas: invalid answer {x[row, col]:g} in column {item_ids[col]}, row {row + 2}")
    return answers


# Cells that mean "no answer" besides the empty one (the engine matches
# "dk", "don't know", "dont know", "don’t know" case-insensitively).
NO_ANSWER = [
    v
    for dk in ["dk", "don't know", "dont know", "don\u2019t know"]
    for v in {dk, dk.upper(), dk.capitalize(), dk.title()}
] + [""]

# The engine's tolerance for F >= t (docs/scoring.md, rule 4).
THRESHOLD_TOLERANCE = 1e-9


def meets(F: float, t: float) -> bool:
    return not math.isnan(F) and F >= t - THRESHOLD_TOLERANCE


def nn(x):
    """NaN -> None, numpy scalars -> Python numbers."""
    if x is None:
        return None
    x = float(x)
    return None if math.isnan(x) else x


def weighted_mean(f, w) -> float:
    """sum(w * f) / sum(w) over the defined f, summed left to right (model order)."""
    num = den = 0.0
    seen = False
    for fi, wi in zip(f, w):
        if not math.isnan(fi):
            num += wi * fi
            den += wi
            seen = True
    return num / den if seen else math.nan


def score(answers: pd.DataFrame, model: dict) -> dict:
    """Results (overall, common_language, areas, items) for one set of respondents."""
    A = model["points"]
    t = model["threshold"]
    items = model["items"].copy()
    raw = answers[list(items["id"])]

    # per item: answered, fulfilment, consensus.
    # f is the mean/median of v = (answer - 1) / (A - 1), evaluated as the
    # engine does (see EVALUATION ORDER in the module docstring).
    n = raw.count()
    items["answered"] = n.to_numpy()
    span = A - 1
    if model["aggregate"] == "median":
        lower = raw.quantile(0.5, interpolation="lower") - 1
        upper = raw.quantile(0.5, interpolation="higher") - 1
        f = (lower / span + upper / span) / 2
    else:
        f = (raw - 1).sum() / n / span  # n = 0 -> NaN (null)
    items["f"] = f.to_numpy()
    sigma2 = (A * A - 1) / 12
    rwg = (1 - raw.var(ddof=1) / sigma2).clip(lower=0)
    items["rwg"] = rwg.where(items["answered"].to_numpy() >= 2).to_numpy()

    # F(area, s): weighted mean of the defined item fulfilments, in model order
    F = {
        key: weighted_mean(g["f"], g["weight"])
        for key, g in items.groupby(["area", "stage"], sort=False)
    }
    cons = items.groupby("area")["rwg"].mean().to_dict()

    areas = []
    for area in model["areas"]:
        stage = 1
        for s in model["levels"]:
            if s < 2:
                continue
            if meets(F.get((area, s), math.nan), t):
                stage = s
            else:
                break
        progress = 0.0
        Fn = F.get((area, stage + 1), math.nan)
        if stage < model["top"] and not math.isnan(Fn):
            progress = min(1.0, Fn / t)
        sc = stage + progress
        sc = min(sc, math.nextafter(stage + 1, -math.inf))

        gap = None
        if stage < model["top"]:
            nxt = stage + 1
            cand = items[(items["area"] == area) & (items["stage"] == nxt) & items["f"].notna()].copy()
            chosen = []
            if len(cand):
                cand["lack"] = cand["weight"] * (1 - cand["f"])
                cand = cand.sort_values(["lack", "id"], ascending=[False, True], kind="stable")
                # raise the first ones to f = 1 until F (summed in this order) meets t
                fs = cand["f"].to_numpy().copy()
                w = cand["weight"].to_numpy()
                for i, item_id in enumerate(cand["id"]):
                    if meets(weighted_mean(fs, w), t):
                        break
                    fs[i] = 1.0
                    chosen.append(item_id)
                if not meets(weighted_mean(fs, w), t):
                    chosen = []  # unreachable for t <= 1; the engine then lists none
            gap = {"next_stage": nxt, "fulfilment": nn(Fn), "min_items": chosen}

        areas.append(
            {
                "id": area,
                "stage": stage,
                "score": sc,
                "fulfilment": {str(s): nn(F.get((area, s))) for s in model["levels"] if s >= 2},
                "consensus": nn(cons.get(area)),
                "gap": gap,
            }
        )

    return {
        "overall": {"stage": min(a["stage"] for a in areas), "score": min(a["score"] for a in areas)}
        if areas
        else None,
        "common_language": nn(items["rwg"].mean()),
        "areas": areas,
        "items": [
            {
                "id": r.id,
                "area": r.area,
                "stage": int(r.stage),
                "answered": int(r.answered),
                "fulfilment": nn(r.f),
                "rwg": nn(r.rwg),
            }
            for r in items.itertuples()
        ],
    }


def groups(answers: pd.DataFrame, model: dict, attr: str) -> list[dict]:
    declared = model["attributes"].get(attr, [])
    counts = answers[attr].value_counts(dropna=False)
    present = [v for v in counts.index if isinstance(v, str)]
    order = [v for v in declared if v in present] + sorted(v for v in present if v not in declared)
    n_null = int(answers[attr].isna().sum())
    sizes = [(v, int(counts[v])) for v in order] + ([(None, n_null)] if n_null else [])

    k = model["anonymity_min"]
    suppressed = [n < k for _, n in sizes]
    if sum(suppressed) == 1:
        rest = [i for i, s in enumerate(suppressed) if not s]
        if rest:
            # fewest respondents; ties -> later position
            j = min(rest, key=lambda i: (sizes[i][1], -i))
            suppressed[j] = True

    by_value = dict(list(answers.groupby(attr, sort=False, dropna=False)))
    out = []
    for (value, n), sup in zip(sizes, suppressed):
        g = {"attribute": attr, "value": value, "respondents": n, "suppressed": sup}
        if sup:
            g.update(overall=None, common_language=None, areas=None)
        else:
            key = value if value is not None else next(x for x in by_value if not isinstance(x, str))
            r = score(by_value[key], model)
            g.update(overall=r["overall"], common_language=r["common_language"], areas=r["areas"])
        out.append(g)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="pandas peer of `simm score --format json`")
    ap.add_argument("--model", required=True)
    ap.add_argument("--responses", required=True)
    ap.add_argument("--group-by", dest="group_by")
    args = ap.parse_args(argv)

    model = load_model(args.model)
    answers = read_sheet(args.responses, model, args.group_by)
    r = score(answers, model)
    doc = {
        "model": {"id": model["id"], "version": model["version"]},
        "respondents": len(answers),
        "threshold": model["threshold"],
        "aggregate": model["aggregate"],
        "overall": r["overall"],
        "common_language": r["common_language"],
        "areas": r["areas"],
        "items": r["items"],
    }
    if args.group_by:
        doc["groups"] = groups(answers, model, args.group_by)
        # The threshold the groups were shown under, as simm reports it.
        doc["anonymity_min"] = model["anonymity_min"]
    json.dump(doc, sys.stdout, indent=2, allow_nan=False)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
