#!/usr/bin/env python3
"""Compares `simm calibrate --format json` with its peers (eRm, psychotools,
psych, mirt)
and with the true parameters of a simulated sheet, and prints Markdown tables:

* time and peak memory per tool (from /usr/bin/time -v) and the ratio to simm;
* agreement of simm with eRm (CML): Pearson correlation of the centred item
  locations, largest location / infit / outfit differences, and more for
  information; with psychotools (CML, the peer for sheets with missing
  answers that are too large for eRm): the same for the item locations
  (psychotools has no item fit); eRm against psychotools for information
  when both ran; simm's alpha per area (and alpha if deleted) against psych;
* accuracy against the truth: RMSE of the centred locations for simm, eRm,
  psychotools and mirt;
* the planted effects (misfitting items, misplaced stages, DIF) next to what
  simm and eRm report for them.

With --check the exit status is 1 when a target is missed (correlation >
0.999, max location difference < 0.02 logits, infit/outfit within 0.02,
alpha equal to psych's to 1e-10) and 2 when simm's JSON is missing or broken.
The psychotools targets (correlation, location difference) are checked only
when --psychotools is given (a given but missing or broken file is a miss).

Usage:
    python bench/calibrate/compare.py --simm simm.json [--erm erm.json] \\
        [--psychotools psychotools.json] [--psych psych.json] \\
        [--mirt mirt.json] [--truth sim.truth.json] \\
        [--time simm=TIME_V_OUTPUT | --time simm=SECONDS:MB ...] \\
        [--title TEXT] [--check]

Without a simm JSON (the command may not exist yet) the peers are compared
with each other and with the truth, and --check fails with a clear message.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys

import numpy as np

TARGETS = {"corr": 0.999, "loc": 0.02, "fit": 0.02, "alpha": 1e-10}


def load(path: str | None, what: str) -> tuple[dict | None, str | None]:
    """(data, problem): problem is None when loaded, else a one-line reason."""
    if not path:
        return None, f"no {what} JSON given"
    if not os.path.exists(path) or os.path.getsize(path) == 0:
        return None, f"{what} JSON {path} is missing or empty"
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh), None
    except (OSError, json.JSONDecodeError) as e:
        return None, f"{what} JSON {path} is not valid JSON: {e}"


def parse_time(spec: str) -> tuple[str, float | None, float | None]:
    """TOOL=FILE (GNU time -v output) or TOOL=SECONDS:MB."""
    tool, _, rest = spec.partition("=")
    m = re.fullmatch(r"([0-9.]+):([0-9.]+)", rest)
    if m:
        return tool, float(m.group(1)), float(m.group(2))
    wall = rss = None
    try:
        text = open(rest, encoding="utf-8").read()
    except OSError:
        return tool, None, None
    m = re.search(r"Elapsed \(wall clock\) time.*: ([0-9:.]+)", text)
    if m:
        wall = 0.0
        for part in m.group(1).split(":"):
            wall = wall * 60 + float(part)
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    if m:
        rss = int(m.group(1)) / 1024
    return tool, wall, rss


SIMM_KEYS = {
    "": ["model", "method", "estimator", "respondents", "items", "areas", "persons", "suggestions"],
    "model": ["id", "version"],
    "items": ["id", "area", "stage", "answered", "missing_rate", "mean", "sd", "item_total_r",
              "location", "se", "infit", "outfit", "thresholds", "flags"],
    "areas": ["id", "alpha", "alpha_if_deleted"],
    "persons": ["n", "extreme_minimum", "extreme_maximum", "separation_reliability"],
}


def schema_problems(doc: dict, truth: dict | None) -> list[str]:
    """Names missing from simm's JSON (the agreed format of `simm calibrate --format json`)."""
    out = [f"no top-level {k!r}" for k in SIMM_KEYS[""] if k not in doc]
    for part in ("model", "persons"):
        if isinstance(doc.get(part), dict):
            out += [f"no {part}.{k}" for k in SIMM_KEYS[part] if k not in doc[part]]
    for part in ("items", "areas"):
        for i, x in enumerate(doc.get(part) or []):
            lack = [k for k in SIMM_KEYS[part] if k not in x]
            if lack:
                out.append(f"{part}[{i}] ({x.get('id')}) lacks {', '.join(lack)}")
                break
    if doc.get("estimator") not in (None, "cml"):
        out.append(f"estimator is {doc.get('estimator')!r}, not 'cml'")
    if truth is not None:
        if doc.get("method") is not None and doc["method"] != truth.get("method"):
            out.append(f"method is {doc['method']!r}, the sheet was simulated as {truth.get('method')!r}")
        if doc.get("respondents") is not None and doc["respondents"] != truth.get("respondents"):
            out.append(f"respondents is {doc['respondents']}, the sheet has {truth.get('respondents')}")
    return out


def items_by_id(doc: dict) -> dict[str, dict]:
    return {str(it["id"]): it for it in doc.get("items", [])}


def centred(doc: dict, ids: list[str]) -> np.ndarray:
    by = items_by_id(doc)
    v = np.array([float(by[i]["location"]) if by[i].get("location") is not None else np.nan for i in ids])
    return v - np.nanmean(v)


def field(doc: dict, ids: list[str], name: str) -> np.ndarray:
    by = items_by_id(doc)
    return np.array([np.nan if by[i].get(name) is None else float(by[i][name]) for i in ids])


def fmt(x, digits=4) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "–"
    if isinstance(x, (int, np.integer)):
        return str(x)
    if abs(x) != 0 and (abs(x) < 1e-3 or abs(x) >= 1e5):
        return f"{x:.2e}"
    return f"{x:.{digits}f}"


def maxabs(a: np.ndarray) -> float:
    a = a[np.isfinite(a)]
    return float(np.max(np.abs(a))) if a.size else float("nan")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Compare simm calibrate with eRm, psychotools, psych, mirt and the truth")
    ap.add_argument("--simm")
    ap.add_argument("--erm")
    ap.add_argument("--psychotools", help="JSON of bench/calibrate/psychotools.R (CML item locations)")
    ap.add_argument("--psych")
    ap.add_argument("--mirt")
    ap.add_argument("--truth")
    ap.add_argument("--time", action="append", default=[], help="TOOL=time-v-output or TOOL=SECONDS:MB")
    ap.add_argument("--skipped", action="append", default=[], help="TOOL=REASON: a peer that was not run")
    ap.add_argument("--title", default="")
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args(argv)

    simm, simm_err = load(args.simm, "simm")
    erm, erm_err = load(args.erm, "eRm")
    ptools, ptools_err = load(args.psychotools, "psychotools")
    psych, psych_err = load(args.psych, "psych")
    mirt, mirt_err = load(args.mirt, "mirt")
    truth, _ = load(args.truth, "truth")
    skipped = dict(s.partition("=")[::2] for s in args.skipped)
    misses: list[str] = []
    notes: list[str] = []
    if simm is None:
        notes.append(f"**simm: {simm_err}** (is `simm calibrate` implemented? `simm calibrate --help`)")
    elif not simm.get("items"):
        notes.append("**simm: the JSON has no items**")
        simm = None

    if args.title:
        print(f"### {args.title}\n")
    if simm is not None:
        for problem in schema_problems(simm, truth):
            notes.append(f"simm JSON: {problem}")
            misses.append(f"simm JSON: {problem}")

    # ---- time and memory -----------------------------------------------------
    times = [parse_time(t) for t in args.time]
    if times:
        ref = next((w for tool, w, _ in times if tool == "simm" and w), None)
        print("| tool | wall | peak RSS | tool / simm |")
        print("|---|---:|---:|---:|")
        for tool, wall, rss in times:
            if tool == "simm":
                ratio = "1×" if wall else "–"
            elif ref and wall:
                ratio = f"{wall / ref:.1f}×" if wall >= ref else f"{wall / ref:.2f}×"
            else:
                ratio = "–"
            print(f"| {tool} | {fmt(wall, 2)} s | {fmt(rss, 0)} MB | {ratio} |")
        for tool, why in skipped.items():
            print(f"| {tool} | skipped: {why} | | |")
        print()

    # the item ids, in the order of the first document that has them
    base = simm or erm or ptools or mirt or truth
    ids = [str(it["id"]) for it in base["items"]] if base else []

    # ---- agreement with eRm / psych -----------------------------------------
    rows = []  # (what, value, target, met)

    def check(what, value, target_text, ok):
        met = "–" if ok is None else ("met" if ok else "**missed**")
        rows.append((what, value, target_text, met))
        if ok is False:
            misses.append(f"{what}: {value} (target {target_text})")

    def pair(a: dict, b: dict, an: str, bn: str, targets: bool, fit: bool = True):
        common = [i for i in ids if i in items_by_id(a) and i in items_by_id(b)]
        if len(common) != len(ids):
            notes.append(f"{an} and {bn} share {len(common)} of {len(ids)} items")
        la, lb = centred(a, common), centred(b, common)
        corr = float(np.corrcoef(la, lb)[0, 1])
        dloc = maxabs(la - lb)
        check(f"{an} vs {bn}: correlation of item locations", fmt(corr, 6), "> 0.999", corr > TARGETS["corr"] if targets else None)
        check(f"{an} vs {bn}: max location difference (logits)", fmt(dloc), "< 0.02", dloc < TARGETS["loc"] if targets else None)
        # thresholds (polytomous), relative to the same centring
        ta = items_by_id(a)
        tb = items_by_id(b)
        sa = np.nanmean(field(a, common, "location"))
        sb = np.nanmean(field(b, common, "location"))
        dth = []
        for i in common:
            x, y = ta[i].get("thresholds") or [], tb[i].get("thresholds") or []
            if len(x) > 1 and len(x) == len(y):
                dth.extend(abs((p - sa) - (q - sb)) for p, q in zip(x, y))
        if dth:
            check(f"{an} vs {bn}: max threshold difference", fmt(max(dth)), "", None)
        for name in ("infit", "outfit") if fit else ():
            fa, fb = field(a, common, name), field(b, common, name)
            if np.isfinite(fa).any() and np.isfinite(fb).any():
                d = maxabs(fa - fb)
                check(f"{an} vs {bn}: max {name} difference", fmt(d), "≤ 0.02" if targets else "", (d <= TARGETS["fit"]) if targets else None)
            elif targets:
                check(f"{an} vs {bn}: {name}", "missing", "≤ 0.02", False)
        se = maxabs(field(a, common, "se") - field(b, common, "se"))
        if math.isfinite(se):
            check(f"{an} vs {bn}: max SE difference", fmt(se), "", None)
        ra = (a.get("persons") or {}).get("separation_reliability")
        rb = (b.get("persons") or {}).get("separation_reliability")
        if ra is not None and rb is not None:
            check(f"{an} vs {bn}: person separation reliability", f"{fmt(ra)} vs {fmt(rb)}", "", None)
        for k in ("extreme_minimum", "extreme_maximum"):
            xa, xb = (a.get("persons") or {}).get(k), (b.get("persons") or {}).get(k)
            if xa is not None and xb is not None:
                check(f"{an} vs {bn}: persons {k}", f"{xa} vs {xb}", "", None)

    if simm is not None and erm is not None:
        pair(simm, erm, "simm", "eRm", True)
    elif simm is not None:
        notes.append(f"eRm not compared: {skipped.get('eRm') or erm_err}")
    # psychotools reports no item fit: locations (and SEs) only
    if simm is not None and ptools is not None:
        pair(simm, ptools, "simm", "psychotools", True, fit=False)
    elif simm is not None and (args.psychotools or "psychotools" in skipped):
        notes.append(f"psychotools not compared: {skipped.get('psychotools') or ptools_err}")
    if erm is not None and ptools is not None:
        pair(erm, ptools, "eRm", "psychotools", False, fit=False)
    if simm is None and erm is not None and mirt is not None:
        pair(erm, mirt, "eRm", "mirt", False)
    elif simm is not None and mirt is not None:
        pair(simm, mirt, "simm", "mirt", False)

    if simm is not None and psych is not None:
        sa = {a["id"]: a for a in simm.get("areas", [])}
        worst, worst_del, n = 0.0, 0.0, 0
        for area in psych.get("areas", []):
            s = sa.get(area["id"])
            if area.get("alpha") is None:
                continue
            if s is None or s.get("alpha") is None:
                check(f"simm vs psych: alpha of {area['id']}", "missing in simm", "Δ < 1e-10", False)
                continue
            d = abs(float(s["alpha"]) - float(area["alpha"]))
            worst = max(worst, d)
            n += 1
            check(f"simm vs psych: alpha of {area['id']} ({fmt(float(area['alpha']), 6)})", fmt(d), "Δ < 1e-10", d < TARGETS["alpha"])
            sd = {x["item"]: x["alpha"] for x in s.get("alpha_if_deleted", []) if x.get("alpha") is not None}
            for x in area.get("alpha_if_deleted", []):
                if x["item"] in sd and x.get("alpha") is not None:
                    worst_del = max(worst_del, abs(float(sd[x["item"]]) - float(x["alpha"])))
        if n:
            check("simm vs psych: max alpha-if-deleted difference", fmt(worst_del), "Δ < 1e-10", worst_del < TARGETS["alpha"])
    elif simm is not None:
        notes.append(f"psych not compared: {skipped.get('psych') or psych_err}")

    if rows:
        print("| agreement | value | target | |")
        print("|---|---:|---|---|")
        for r in rows:
            print("| " + " | ".join(r) + " |")
        print()

    # ---- accuracy against the truth ----------------------------------------
    if truth is not None:
        t_ids = [str(it["id"]) for it in truth["items"]]
        tloc = centred(truth, t_ids)
        planted = {m["item"] for m in truth.get("misfit", [])} | {d["item"] for d in truth.get("dif", [])}
        clean = np.array([i not in planted for i in t_ids])
        print("| accuracy against the truth | RMSE of locations | max abs error | RMSE without planted misfit/DIF items | correlation |")
        print("|---|---:|---:|---:|---:|")
        for name, doc in (("simm", simm), ("eRm", erm), ("psychotools", ptools), ("mirt", mirt)):
            if doc is None:
                continue
            if not all(i in items_by_id(doc) for i in t_ids):
                print(f"| {name} | items differ from the truth | | | |")
                continue
            loc = centred(doc, t_ids)
            err = loc - tloc
            rmse = float(np.sqrt(np.mean(err**2)))
            rc = float(np.sqrt(np.mean(err[clean] ** 2))) if clean.any() and not clean.all() else rmse
            print(f"| {name} | {fmt(rmse)} | {fmt(maxabs(err))} | {fmt(rc)} | {fmt(float(np.corrcoef(loc, tloc)[0, 1]), 5)} |")
        print()

        planted_rows = []
        sb = items_by_id(simm) if simm else {}
        eb = items_by_id(erm) if erm else {}

        def fitcell(by, i):
            it = by.get(i)
            if not it:
                return "–"
            flags = it.get("flags")
            f = f"{fmt(it.get('infit'), 2)} / {fmt(it.get('outfit'), 2)}"
            if flags:
                # simm's flags are objects {kind, detail}; the kinds suffice here.
                kinds = [fl.get("kind", str(fl)) if isinstance(fl, dict) else str(fl) for fl in flags]
                f += " (flags: " + ", ".join(sorted(set(kinds))) + ")"
            return f

        for m in truth.get("misfit", []):
            planted_rows.append((m["item"], f"misfit, a = {m['discrimination']}", fitcell(sb, m["item"]), fitcell(eb, m["item"])))
        sugg = {s["item"]: s for s in (simm or {}).get("suggestions", [])}
        eloc = dict(zip(t_ids, centred(erm, t_ids))) if erm and all(i in eb for i in t_ids) else {}
        for m in truth.get("misplaced", []):
            s = sugg.get(m["item"])
            ss = f"suggests {s['from_stage']} → {s['to_stage']}" if s else ("no suggestion" if simm else "–")
            el = f"location {fmt(eloc[m['item']], 2)}" if m["item"] in eloc else "–"
            planted_rows.append((m["item"], f"stage {m['stage']}, located like stage {m['true_stage']}", ss, el))
        sd = {d["item"]: d for d in (simm or {}).get("dif", [])}
        for d in truth.get("dif", []):
            s = sd.get(d["item"])
            ss = (f"difference {fmt(s.get('difference'), 2)}, p {fmt(s.get('p'), 3)}, flagged {s.get('flagged')}" if s else ("not reported (run with --group-by role)" if simm else "–"))
            planted_rows.append((d["item"], f"DIF {d['difference']:+} (partner − employee)", ss, "–"))
        if planted_rows:
            print("| planted | effect | simm | eRm (infit / outfit or location) |")
            print("|---|---|---|---|")
            for r in planted_rows:
                print("| " + " | ".join(r) + " |")
            print()

    for n in notes:
        print(f"- {n}")
    if notes:
        print()

    if args.check:
        if simm is None:
            print(f"compare.py: FAILED: {simm_err or 'simm JSON unusable'}", file=sys.stderr)
            return 2
        if erm is None:
            misses.append(f"eRm: {erm_err}")
        if psych is None:
            misses.append(f"psych: {psych_err}")
        if args.psychotools and ptools is None:
            misses.append(f"psychotools: {ptools_err}")
        if misses:
            print("compare.py: targets missed:\n  " + "\n  ".join(misses), file=sys.stderr)
            return 1
        print("compare.py: all targets met", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
