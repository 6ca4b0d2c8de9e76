#!/usr/bin/env python3
"""Synthetic response-sheet generator for the simm scoring benchmark.

Reads a simm model TOML (``[scale] points``, ``[[attributes]] id, values?``,
``[[items]] id, area, stage, weight``; ``[scoring] threshold`` and
``[[stages]] level`` are used for calibration when present) and writes a
UTF-8, comma-delimited CSV response sheet:

    respondent,<attribute ids in model order>,<item ids in model order>

Respondent ids are ``r0000001``, ``r0000002``, ... (zero-padded to 7 digits,
wider only past 9,999,999 rows). Answers are integers 1..points; an empty
cell is "no answer".

The data are meant to look like a real survey, so that scoring is not
degenerate:

* each respondent has a latent maturity (normal), plus a personal view of
  each area (respondents disagree, so consensus r_wg is neither 0 nor 1);
* items at higher stages are harder: the expected answer falls with the
  stage, and is centred on the model's threshold at the middle stage;
* each area has its own offset (spread evenly, shuffled by the seed), so the
  areas reach different stages (with 4 stages typically 1, 2, 3 and 4);
* each item has a small offset of its own, so items within a stage differ;
* a ``values`` attribute (``role``) is drawn with realistic weights
  (executive 10 %, manager 25 %, employee 50 %, partner 15 %, other declared
  values share the rest) and shifts the answers a little (executives see
  their organisation more favourably than employees and partners); an
  attribute without ``values`` (``unit``) is drawn from 8 department names
  with unequal sizes and small offsets;
* ``--missing RATE`` is the fraction of empty answer cells (uniform);
  attribute cells are left empty at a tenth of that rate, so that
  ``--group-by`` has a null group on large sheets.

The output is a pure function of (model, --respondents, --seed, --missing).

Speed: everything is vectorised with numpy, and each chunk of rows is laid
out as one uint8 matrix (fixed-width cells plus a keep-mask that drops
padding and the digits of missing answers) that is compacted and written in
one call; 1,000,000 respondents x 48 items take a few seconds.

Usage:
    python bench/gen.py --model MODEL.toml --respondents 100000 \\
        [--seed 1] [--missing 0.05] [--out sheet.csv]
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
import tomllib

import numpy as np

DEPARTMENTS = [
    "Sales",
    "Marketing",
    "Finance",
    "IT",
    "Operations",
    "Human Resources",
    "R&D",
    "Customer Service",
]
DEPARTMENT_WEIGHTS = [0.16, 0.09, 0.08, 0.12, 0.24, 0.05, 0.14, 0.12]
DEPARTMENT_OFFSETS = [0.02, 0.03, -0.02, 0.05, -0.04, 0.00, 0.04, -0.03]

# Known role values: share of respondents and offset on the answer scale (0..1).
ROLE_WEIGHTS = {"executive": 0.10, "manager": 0.25, "employee": 0.50, "partner": 0.15}
ROLE_OFFSETS = {"executive": 0.08, "manager": 0.03, "employee": 0.0, "partner": -0.04}

CHUNK_ROWS = 100_000

# Standard deviations on the 0..1 answer scale.
SD_MATURITY = 0.12  # respondent's overall view
SD_AREA_VIEW = 0.08  # respondent's view of one area
SD_CELL = 0.15  # one answer
SD_ITEM = 0.04  # fixed offset of an item
AREA_SPREAD = 0.18  # area offsets are spread evenly over [-AREA_SPREAD, +AREA_SPREAD]
STAGE_SPREAD = 0.15  # lowest stage > 1 sits this much above the threshold, highest this much below


def csv_field(value: str) -> str:
    """One CSV field, quoted only when needed (as the csv module would)."""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="").writerow([value])
    return buf.getvalue()


def csv_line(fields: list[str]) -> bytes:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(fields)
    return buf.getvalue().encode("utf-8")


class Block:
    """A set of string values as a fixed-width uint8 table plus lengths."""

    def __init__(self, values: list[str]):
        encoded = [csv_field(v).encode("utf-8") for v in values]
        self.width = max([len(e) for e in encoded] + [1])
        self.table = np.zeros((len(encoded) + 1, self.width), dtype=np.uint8)
        self.lengths = np.zeros(len(encoded) + 1, dtype=np.int64)
        for i, e in enumerate(encoded):
            self.table[i, : len(e)] = np.frombuffer(e, dtype=np.uint8)
            self.lengths[i] = len(e)
        # the last row (index len(values)) is the empty cell
        self.empty = len(encoded)


def build_plan(model: dict, seed: int):
    """Everything about the sheet that does not depend on the row."""
    rng = np.random.default_rng([seed, 0x51AA])  # own stream: model-level offsets
    points = int(model["scale"]["points"])
    if points < 2:
        sys.exit("gen.py: [scale] points must be >= 2")
    threshold = float(model.get("scoring", {}).get("threshold", 0.6))
    items = model.get("items", [])
    if not items:
        sys.exit("gen.py: the model has no [[items]]")

    levels = sorted({int(s["level"]) for s in model.get("stages", [])} | {int(i["stage"]) for i in items})
    upper = [lv for lv in levels if lv >= 2]
    lo, hi = (min(upper), max(upper)) if upper else (2, 2)

    area_ids: list[str] = [a["id"] for a in model.get("areas", [])]
    for it in items:
        if it["area"] not in area_ids:
            area_ids.append(it["area"])
    area_offsets = np.linspace(-AREA_SPREAD, AREA_SPREAD, len(area_ids)) if len(area_ids) > 1 else np.zeros(1)
    area_offsets = rng.permutation(area_offsets)

    item_area = np.array([area_ids.index(it["area"]) for it in items], dtype=np.int64)
    base = []
    for it in items:
        s = int(it["stage"])
        if s < 2:
            b = threshold + STAGE_SPREAD + 0.10
        else:
            pos = (s - lo) / (hi - lo) if hi > lo else 0.5
            b = threshold + STAGE_SPREAD - 2 * STAGE_SPREAD * pos
        base.append(b)
    item_base = np.array(base) + area_offsets[item_area] + rng.normal(0.0, SD_ITEM, len(items))
    item_base = np.clip(item_base, 0.05, 0.95)

    attrs = []
    for a in model.get("attributes", []):
        if a.get("values"):
            values = [str(v) for v in a["values"]]
            known = [ROLE_WEIGHTS.get(v.lower()) for v in values]
            rest = max(0.0, 1.0 - sum(w for w in known if w is not None))
            n_unknown = sum(1 for w in known if w is None)
            weights = np.array([w if w is not None else (rest / n_unknown if rest > 0 else 0.1) for w in known])
            offsets = np.array([ROLE_OFFSETS.get(v.lower(), 0.0) for v in values])
        else:
            values = list(DEPARTMENTS)
            weights = np.array(DEPARTMENT_WEIGHTS)
            offsets = np.array(DEPARTMENT_OFFSETS)
        attrs.append(
            {
                "id": a["id"],
                "block": Block(values),
                "cum": np.cumsum(weights / weights.sum()),
                "offsets": np.append(offsets, 0.0),  # last: empty cell
            }
        )
    return {
        "points": points,
        "items": items,
        "item_area": item_area,
        "item_base": item_base.astype(np.float32),
        "n_areas": len(area_ids),
        "attrs": attrs,
    }


def chunk_bytes(plan: dict, rng: np.random.Generator, first: int, rows: int, id_digits: int, missing: float) -> bytes:
    points = plan["points"]
    n_items = len(plan["items"])
    cell = len(str(points))  # digits per answer

    # ---- draw the data -------------------------------------------------------
    shift = np.zeros(rows, dtype=np.float32)
    attr_idx = []
    for a in plan["attrs"]:
        idx = np.searchsorted(a["cum"], rng.random(rows), side="right")
        idx = np.minimum(idx, len(a["cum"]) - 1)
        if missing > 0:
            idx[rng.random(rows) < missing / 10] = a["block"].empty
        attr_idx.append(idx)
        shift += a["offsets"][idx].astype(np.float32)

    maturity = rng.standard_normal(rows, dtype=np.float32) * SD_MATURITY
    area_view = rng.standard_normal((rows, plan["n_areas"]), dtype=np.float32) * SD_AREA_VIEW
    x = rng.standard_normal((rows, n_items), dtype=np.float32)
    x *= SD_CELL
    x += plan["item_base"]
    x += (maturity + shift)[:, None]
    x += area_view[:, plan["item_area"]]
    np.clip(x, 0.0, 1.0, out=x)
    x *= points - 1
    answers = np.rint(x).astype(np.uint8 if points < 256 else np.uint16) + 1
    del x
    present = rng.random((rows, n_items), dtype=np.float32) >= missing if missing > 0 else np.ones((rows, n_items), bool)

    # ---- lay out one fixed-width byte matrix + keep mask ---------------------
    widths = [1 + id_digits + 1] + [a["block"].width + 1 for a in plan["attrs"]] + [n_items * (cell + 1)]
    total = sum(widths)
    mat = np.empty((rows, total), dtype=np.uint8)
    keep = np.ones((rows, total), dtype=bool)

    col = 0
    mat[:, 0] = ord("r")
    ids = np.arange(first + 1, first + rows + 1, dtype=np.int64)
    for d in range(id_digits):
        mat[:, 1 + d] = (ids // 10 ** (id_digits - 1 - d)) % 10 + ord("0")
    col = 1 + id_digits
    mat[:, col] = ord(",")
    col += 1

    for a, idx in zip(plan["attrs"], attr_idx):
        b = a["block"]
        mat[:, col : col + b.width] = b.table[idx]
        keep[:, col : col + b.width] = np.arange(b.width)[None, :] < b.lengths[idx][:, None]
        col += b.width
        mat[:, col] = ord(",")
        col += 1

    items_view = mat[:, col:].reshape(rows, n_items, cell + 1)
    keep_view = keep[:, col:].reshape(rows, n_items, cell + 1)
    if cell == 1:
        items_view[:, :, 0] = answers + ord("0")
        keep_view[:, :, 0] = present
    else:
        for d in range(cell):
            p = 10 ** (cell - 1 - d)
            items_view[:, :, d] = (answers // p) % 10 + ord("0")
            keep_view[:, :, d] = present & ((answers >= p) | (d == cell - 1))
    items_view[:, :, cell] = ord(",")
    items_view[:, -1, cell] = ord("\n")

    return mat[keep].tobytes()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", required=True, help="model TOML")
    ap.add_argument("--respondents", type=int, required=True, help="number of rows")
    ap.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    ap.add_argument("--missing", type=float, default=0.05, help="fraction of empty answer cells (default 0.05)")
    ap.add_argument("--out", default="-", help="output CSV (default stdout)")
    args = ap.parse_args(argv)
    if args.respondents < 0:
        ap.error("--respondents must be >= 0")
    if not 0.0 <= args.missing <= 1.0:
        ap.error("--missing must be in [0, 1]")

    with open(args.model, "rb") as fh:
        model = tomllib.load(fh)
    plan = build_plan(model, args.seed)
    rng = np.random.default_rng(args.seed)
    id_digits = max(7, len(str(args.respondents)))

    header = ["respondent"] + [a["id"] for a in plan["attrs"]] + [str(it["id"]) for it in plan["items"]]
    out = sys.stdout.buffer if args.out == "-" else open(args.out, "wb")
    try:
        out.write(csv_line(header))
        for first in range(0, args.respondents, CHUNK_ROWS):
            rows = min(CHUNK_ROWS, args.respondents - first)
            out.write(chunk_bytes(plan, rng, first, rows, id_digits, args.missing))
        out.flush()
    finally:
        if out is not sys.stdout.buffer:
            out.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
