#!/usr/bin/env python3
"""Simulates Rasch / partial credit data with known parameters for the
calibration benchmark (`simm calibrate` against eRm, psych and mirt).

Writes three files:

* a model TOML in simm's format (the structure of the built-in
  smartsourcing model: [scale], [scoring], 4 [[stages]], 4 [[areas]],
  a `role` [[attributes]] with the values employee and partner, [[items]]);
* a response sheet CSV: ``respondent,role,<item ids...>``, answers 1..points
  (category + 1), an empty cell for a missing answer;
* a JSON file with the true parameters (item locations centred at 0 over
  the items, thresholds, discriminations, planted effects).

The items are spread over 4 areas x stages 2, 3, 4 (every area has items at
every stage above the first; 60 items = 4 x 3 x 5). True locations rise with
the stage: about -1 logit at stage 2, 0 at stage 3, +1 at stage 4, plus
noise. Location means difficulty: higher is harder. The response model is

    dichotomous (--categories 2):  P(X=1) = 1 / (1 + exp(-a (theta - delta_i)))
    partial credit (--categories K): P(X=k) ~ exp(sum_{j<=k} a (theta - delta_ij))

with a = 1 (Rasch / PCM) except for planted misfitting items (2PL / GPCM
with a much lower or higher discrimination). The location of a polytomous
item is the mean of its thresholds delta_ij.

Planted effects, all recorded in the truth JSON:

* --misfit K: K items get discrimination 0.35 or 2.5 (alternating), which
  should show up as infit/outfit above 1 (low a) or below 1 (high a);
* --misplaced K: K items at stage 2 or 4 get a location typical of the
  opposite end (a stage-2 item as hard as stage 4, or the reverse);
* --missing-patterns K: the empty cells follow one of K fixed patterns
  (pattern 0 complete) instead of being independent, so that a CML peer
  that fits one likelihood per missing-data pattern (eRm) stays fast;
* --dif ITEMS|K with --dif-size D: for respondents with role=partner these
  items are D logits harder (difference = partner minus employee);
  partners also have a lower mean ability (--impact, not DIF).

Usage:
    python bench/calibrate/simulate.py --respondents 100000 --out-dir DIR \\
        [--items 60] [--categories 2] [--missing 0.1] [--seed 1] \\
        [--missing-patterns 20] [--misfit 2] [--misplaced 2] \\
        [--dif 3 --dif-size 0.6] [--prefix NAME]
writes DIR/NAME.toml, DIR/NAME.csv and DIR/NAME.truth.json (NAME defaults to
"sim"). 1,000,000 x 60 takes some seconds: all vectorised, the CSV is laid out
as a uint8 matrix per chunk of rows and written in one call.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

import numpy as np

AREAS = [
    ("vision", "VS", "Vision and Strategy"),
    ("management", "MG", "Management"),
    ("organization", "OR", "Organization"),
    ("technology", "IT", "Information Technology"),
]
STAGES = [
    (1, "Ad hoc", "Innovation happens by chance."),
    (2, "Functional", "Innovation is the job of one function."),
    (3, "Cross-functional", "Innovation spreads across departments."),
    (4, "Pervasive", "Innovation is pervasive across the organisation and its partners."),
]
ROLES = ["employee", "partner"]
STAGE_MEAN = {2: -1.0, 3: 0.0, 4: 1.0}
LOW_A, HIGH_A = 0.35, 2.5
CHUNK_ROWS = 50_000


def toml_str(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)  # a JSON string is a valid TOML basic string


def scale_labels(points: int) -> list[str]:
    if points == 2:
        return ["No", "Yes"]
    if points == 5:
        return ["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"]
    return [f"Level {k}" for k in range(1, points + 1)]


def build_items(n_items: int, categories: int, args, rng: np.random.Generator) -> list[dict]:
    """Item ids, areas, stages and true parameters (locations centred)."""
    cells = [(a, s) for s in (2, 3, 4) for a in range(len(AREAS))]  # 12 cells
    counts = [n_items // len(cells) + (1 if c < n_items % len(cells) else 0) for c in range(len(cells))]
    items = []
    for (a, s), cnt in zip(cells, counts):
        for k in range(cnt):
            items.append({"id": f"{AREAS[a][1]}-{s}-{k + 1:02d}", "area": AREAS[a][0], "stage": s})
    # model order: stage, then area (like the built-in model)
    loc = np.array([STAGE_MEAN[it["stage"]] for it in items]) + rng.normal(0.0, args.item_sd, len(items))

    # misplaced: stage-2 items made hard, stage-4 items made easy
    misplaced = []
    if args.misplaced:
        ends = [i for i, it in enumerate(items) if it["stage"] in (2, 4)]
        pick = rng.choice(ends, size=min(args.misplaced, len(ends)), replace=False)
        for i in sorted(int(p) for p in pick):
            fits = 4 if items[i]["stage"] == 2 else 2
            loc[i] = STAGE_MEAN[fits] + rng.normal(0.0, 0.15) + (0.3 if fits == 4 else -0.3)
            misplaced.append({"item": items[i]["id"], "stage": items[i]["stage"], "true_stage": fits})
    loc -= loc.mean()

    disc = np.ones(len(items))
    misfit = []
    candidates = [i for i, it in enumerate(items) if it["id"] not in {m["item"] for m in misplaced}]
    if args.misfit:
        pick = rng.choice(candidates, size=min(args.misfit, len(candidates)), replace=False)
        for j, i in enumerate(sorted(int(p) for p in pick)):
            disc[i] = LOW_A if j % 2 == 0 else HIGH_A
            misfit.append({"item": items[i]["id"], "discrimination": disc[i],
                           "expected": "underfit (infit/outfit > 1)" if disc[i] < 1 else "overfit (infit/outfit < 1)"})

    dif_items: list[int] = []
    if args.dif:
        ids = [it["id"] for it in items]
        if args.dif.isdigit():
            pool = [i for i in candidates if disc[i] == 1.0]
            dif_items = sorted(int(p) for p in rng.choice(pool, size=min(int(args.dif), len(pool)), replace=False))
        else:
            for name in args.dif.split(","):
                if name not in ids:
                    sys.exit(f"simulate.py: --dif names unknown item {name!r} (items are {ids[0]} .. {ids[-1]})")
                dif_items.append(ids.index(name))
    dif = np.zeros(len(items))
    dif[dif_items] = args.dif_size

    # thresholds: a common pattern plus item noise, centred on the item location
    m = categories - 1
    if m == 1:
        steps = np.zeros((len(items), 1))
    else:
        base = np.linspace(-args.threshold_spread, args.threshold_spread, m)
        steps = base[None, :] + rng.normal(0.0, 0.25, (len(items), m))
        steps = np.sort(steps, axis=1)
        steps -= steps.mean(axis=1, keepdims=True)
    thresholds = loc[:, None] + steps
    for i, it in enumerate(items):
        it["location"] = float(loc[i])
        it["thresholds"] = [float(t) for t in thresholds[i]]
        it["discrimination"] = float(disc[i])
        it["dif"] = float(dif[i])
    return items, thresholds, disc, dif, misplaced, misfit


def write_model(path: str, name: str, items: list[dict], points: int) -> None:
    out = [
        f"# Simulated model for the calibration benchmark (bench/calibrate/simulate.py): {len(items)} items.",
        "# Same structure as the built-in smartsourcing model.",
        "",
        f"id = {toml_str(name)}",
        'version = "1.0.0"',
        f"title = {toml_str('Simulated calibration model (' + name + ')')}",
        "",
        "[scale]",
        f"points = {points}",
        "labels = [" + ", ".join(toml_str(lab) for lab in scale_labels(points)) + "]",
        "",
        "[scoring]",
        "threshold = 0.75",
        'aggregate = "mean"',
        'overall = "min"',
        "anonymity_min = 5",
    ]
    for level, sname, desc in STAGES:
        out += ["", "[[stages]]", f"level = {level}", f"name = {toml_str(sname)}",
                f"description = {toml_str(desc)}",
                f"characteristics = [{toml_str(desc)}]"]
    for aid, _, aname in AREAS:
        out += ["", "[[areas]]", f"id = {toml_str(aid)}", f"name = {toml_str(aname)}",
                f"description = {toml_str('Simulated area ' + aname + '.')}"]
    out += ["", "[[attributes]]", 'id = "role"', 'name = "Role"',
            "values = [" + ", ".join(toml_str(r) for r in ROLES) + "]"]
    for it in items:
        out += ["", "[[items]]", f"id = {toml_str(it['id'])}", f"area = {toml_str(it['area'])}",
                f"stage = {it['stage']}",
                f"text = {toml_str('Simulated statement ' + it['id'] + ' (' + it['area'] + ', stage ' + str(it['stage']) + ').')}",
                f"practice = {toml_str('Simulated practice for ' + it['id'] + '.')}",
                "weight = 1.0"]
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("\n".join(out) + "\n")


def draw_chunk(rng, rows, thresholds, disc, dif, args, categories):
    """Answers (0..categories-1, uint8), presence mask and role index for one chunk."""
    n_items = thresholds.shape[0]
    role = (rng.random(rows) < args.partner_share).astype(np.int64)  # 1 = partner
    theta = rng.standard_normal(rows) * args.person_sd + args.person_mean - args.impact * role
    theta = theta.astype(np.float32)
    a = disc.astype(np.float32)
    shift = (role[:, None] * dif[None, :]).astype(np.float32)  # partner: harder
    base = theta[:, None] - shift  # rows x items
    u = rng.random((rows, n_items), dtype=np.float32)
    if categories == 2:
        z = a[None, :] * (base - thresholds[:, 0].astype(np.float32)[None, :])
        p = 1.0 / (1.0 + np.exp(-z))
        ans = (u < p).astype(np.uint8)
    else:
        m = categories - 1
        # cumulative logits psi_k = sum_{j<=k} a (theta - delta_j), psi_0 = 0
        psi = np.zeros((rows, n_items, categories), dtype=np.float32)
        for k in range(1, categories):
            psi[:, :, k] = psi[:, :, k - 1] + a[None, :] * (base - thresholds[:, k - 1].astype(np.float32)[None, :])
        psi -= psi.max(axis=2, keepdims=True)
        np.exp(psi, out=psi)
        np.cumsum(psi, axis=2, out=psi)
        total = psi[:, :, m]
        ans = (u[:, :, None] * total[:, :, None] >= psi[:, :, :m]).sum(axis=2).astype(np.uint8)
        del psi
    if args.missing <= 0:
        present = None
    elif args.missing_patterns:
        # each respondent leaves out the cells of one of a few fixed patterns
        present = args.pattern_table[rng.integers(0, len(args.pattern_table), rows)]
    else:
        present = rng.random((rows, n_items), dtype=np.float32) >= args.missing
    return ans, present, role


def chunk_bytes(first, rows, ans, present, role, id_digits):
    n_items = ans.shape[1]
    role_w = max(len(r) for r in ROLES)
    widths = 1 + id_digits + 1 + role_w + 1 + 2 * n_items
    mat = np.empty((rows, widths), dtype=np.uint8)
    keep = np.ones((rows, widths), dtype=bool)
    mat[:, 0] = ord("r")
    ids = np.arange(first + 1, first + rows + 1, dtype=np.int64)
    for d in range(id_digits):
        mat[:, 1 + d] = (ids // 10 ** (id_digits - 1 - d)) % 10 + ord("0")
    col = 1 + id_digits
    mat[:, col] = ord(",")
    col += 1
    table = np.zeros((len(ROLES), role_w), dtype=np.uint8)
    lens = np.array([len(r) for r in ROLES])
    for i, r in enumerate(ROLES):
        table[i, : len(r)] = np.frombuffer(r.encode(), dtype=np.uint8)
    mat[:, col : col + role_w] = table[role]
    keep[:, col : col + role_w] = np.arange(role_w)[None, :] < lens[role][:, None]
    col += role_w
    mat[:, col] = ord(",")
    col += 1
    view = mat[:, col:].reshape(rows, n_items, 2)
    kview = keep[:, col:].reshape(rows, n_items, 2)
    view[:, :, 0] = ans + ord("1")
    if present is not None:
        kview[:, :, 0] = present
    view[:, :, 1] = ord(",")
    view[:, -1, 1] = ord("\n")
    return mat[keep].tobytes()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Simulate Rasch/PCM data with known parameters for simm calibrate.")
    ap.add_argument("--respondents", type=int, required=True)
    ap.add_argument("--items", type=int, default=60, help="number of items (>= 12; default 60)")
    ap.add_argument("--categories", type=int, default=2, help="2 = dichotomous Rasch, 3..9 = partial credit (default 2)")
    ap.add_argument("--missing", type=float, default=0.0, help="fraction of empty answer cells (default 0)")
    ap.add_argument("--missing-patterns", type=int, default=0,
                    help="draw the empty cells from this many fixed patterns (default 0: every cell independently)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--misfit", type=int, default=0, help="number of misfitting (2PL) items")
    ap.add_argument("--misplaced", type=int, default=0, help="number of items whose stage contradicts their location")
    ap.add_argument("--dif", default="", help="DIF items: a count, or comma-separated item ids")
    ap.add_argument("--dif-size", type=float, default=0.6, help="DIF in logits, partner minus employee (default 0.6)")
    ap.add_argument("--impact", type=float, default=0.3, help="partners' mean ability is this much lower (default 0.3)")
    ap.add_argument("--partner-share", type=float, default=0.3)
    ap.add_argument("--person-mean", type=float, default=0.3)
    ap.add_argument("--person-sd", type=float, default=1.2)
    ap.add_argument("--item-sd", type=float, default=0.35, help="noise of item locations around the stage mean")
    ap.add_argument("--threshold-spread", type=float, default=1.5, help="PCM: thresholds spread around the location")
    ap.add_argument("--out-dir", required=True)
    ap.add_argument("--prefix", default="sim")
    args = ap.parse_args(argv)
    if args.respondents < 1:
        ap.error("--respondents must be >= 1")
    if args.items < 12:
        ap.error("--items must be at least 12 (4 areas x stages 2, 3, 4)")
    if not 2 <= args.categories <= 9:
        ap.error("--categories must be from 2 to 9")
    if not 0.0 <= args.missing < 1.0:
        ap.error("--missing must be in [0, 1)")

    os.makedirs(args.out_dir, exist_ok=True)
    base = os.path.join(args.out_dir, args.prefix)
    rng = np.random.default_rng([args.seed, 0xCA1])
    items, thresholds, disc, dif, misplaced, misfit = build_items(args.items, args.categories, args, rng)
    write_model(base + ".toml", args.prefix, items, args.categories)

    truth = {
        "generator": "bench/calibrate/simulate.py",
        "seed": args.seed,
        "respondents": args.respondents,
        "categories": args.categories,
        "missing": args.missing,
        "method": "rasch" if args.categories == 2 else "pcm",
        "persons": {"mean": args.person_mean, "sd": args.person_sd, "impact_partner": -args.impact,
                    "partner_share": args.partner_share},
        "items": items,
        "misplaced": misplaced,
        "misfit": misfit,
        "dif": [{"item": it["id"], "groups": ROLES, "difference": it["dif"], "meaning": "partner minus employee"}
                for it in items if it["dif"] != 0.0],
        "note": "locations are difficulties (higher = harder), centred at 0 over the items; "
                "a polytomous item's location is the mean of its thresholds",
    }
    with open(base + ".truth.json", "w", encoding="utf-8") as fh:
        json.dump(truth, fh, indent=1)

    data_rng = np.random.default_rng([args.seed, 0xDA7A])
    if args.missing_patterns:
        # pattern 0 is complete; each other pattern leaves c cells empty
        # (c the same on average for all, so that --missing holds overall)
        k, n_it = args.missing_patterns, len(items)
        if k < 2:
            ap.error("--missing-patterns must be at least 2 (pattern 0 is the complete one)")
        c = args.missing * n_it * k / (k - 1)
        if c >= n_it:
            ap.error("--missing too high for so few --missing-patterns")
        table = np.ones((k, n_it), dtype=bool)
        for p in range(1, k):
            cp = int(np.floor(c)) + (1 if data_rng.random() < c - np.floor(c) else 0)
            table[p, data_rng.choice(n_it, size=max(1, cp), replace=False)] = False
        args.pattern_table = table
    id_digits = max(7, len(str(args.respondents)))
    with open(base + ".csv", "wb") as out:
        out.write(("respondent,role," + ",".join(it["id"] for it in items) + "\n").encode())
        for first in range(0, args.respondents, CHUNK_ROWS):
            rows = min(CHUNK_ROWS, args.respondents - first)
            ans, present, role = draw_chunk(data_rng, rows, thresholds, disc, dif, args, args.categories)
            out.write(chunk_bytes(first, rows, ans, present, role, id_digits))
    print(f"simulate.py: wrote {base}.toml, {base}.csv, {base}.truth.json", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
