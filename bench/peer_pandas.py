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
    header = pd.read_csv(path, nrows=0).columns
    text_cols = [c for c in header if c not in item_ids]
    df = pd.read_csv(
        path,
        usecols=[c for c in header if c in item_ids or c == group_by],
        dtype={c: str for c in text_cols},
        keep_default_na=False,  # "NA", "null", ... are values; only an empty cell is missing
        na_values=[""],
    )
    # absent item columns = nobody answered
    df = df.reindex(columns=([group_by] if group_by else []) + item_ids)
    answers = df[item_ids].apply(pd.to_numeric, errors="coerce").astype("float64")
    bad = answers.notna() != df[item_ids].notna()
    bad |= answers.notna() & ((answers % 1 != 0) | (answers < 1) | (answers > model["points"]))
    if bad.to_numpy().any():
        col = bad.any().idxmax()
        row = bad[col].idxmax()
        sys.exit(f"peer_pandas: invalid answer {df.at[row, col]!r} in column {col}, row {row + 2}")
    if group_by:
        answers.insert(0, group_by, df[group_by])
    return answers


def nn(x):
    """NaN -> None, numpy scalars -> Python numbers."""
    if x is None:
        return None
    x = float(x)
    return None if math.isnan(x) else x


def weighted_mean(f: pd.Series, w: pd.Series) -> float:
    ok = f.notna()
    if not ok.any():
        return math.nan
    return float((f[ok] * w[ok]).sum() / w[ok].sum())


def score(answers: pd.DataFrame, model: dict) -> dict:
    """Results (overall, common_language, areas, items) for one set of respondents."""
    A = model["points"]
    t = model["threshold"]
    items = model["items"].copy()
    raw = answers[list(items["id"])]
    v = (raw - 1) / (A - 1)

    # per item: answered, fulfilment, consensus
    items["answered"] = raw.count().to_numpy()
    f = v.median() if model["aggregate"] == "median" else v.mean()
    items["f"] = f.to_numpy()
    sigma2 = (A * A - 1) / 12
    rwg = (1 - raw.var(ddof=1) / sigma2).clip(lower=0)
    items["rwg"] = rwg.where(items["answered"].to_numpy() >= 2).to_numpy()

    # F(area, s): weighted mean of the defined item fulfilments
    defined = items[items["f"].notna()].assign(wf=lambda d: d["f"] * d["weight"])
    sums = defined.groupby(["area", "stage"])[["wf", "weight"]].sum()
    F = (sums["wf"] / sums["weight"]).to_dict()
    cons = items.groupby("area")["rwg"].mean().to_dict()

    areas = []
    for area in model["areas"]:
        stage = 1
        for s in model["levels"]:
            if s < 2:
                continue
            Fs = F.get((area, s), math.nan)
            if not math.isnan(Fs) and Fs >= t:
                stage = s
            else:
                break
        progress = 0.0
        Fn = F.get((area, stage + 1), math.nan)
        if stage < model["top"] and not math.isnan(Fn):
            progress = min(1.0, Fn / t)
        sc = stage + progress
        if sc >= stage + 1:
            sc = math.nextafter(stage + 1, -math.inf)

        gap = None
        if stage < model["top"]:
            nxt = stage + 1
            cand = items[(items["area"] == area) & (items["stage"] == nxt) & items["f"].notna()].copy()
            chosen = []
            if len(cand):
                cand["lack"] = cand["weight"] * (1 - cand["f"])
                cand = cand.sort_values(["lack", "id"], ascending=[False, True], kind="stable")
                fs = cand.set_index("id")["f"].copy()
                w = cand.set_index("id")["weight"]
                for item_id in cand["id"]:
                    if weighted_mean(fs, w) >= t:
                        break
                    fs[item_id] = 1.0
                    chosen.append(item_id)
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
    json.dump(doc, sys.stdout, indent=2, allow_nan=False)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
