#!/usr/bin/env python3
"""mirt peer for the calibration benchmark: marginal maximum likelihood (EM)
Rasch / partial credit calibration with the PyPI package ``mirt`` (1.2.x, a
Python port of R's mirt with a Rust core; not R's mirt).

The Rasch model is mirt's "1PL" (every discrimination fixed at 1) with the
variance of the normal ability distribution estimated (a GaussianDensity with
estimate_cov=True); mirt's default fixes it at 1, which shrinks the
locations when the true spread differs. For more than 2 points the model is
mirt's PCM (adjacent-category log odds theta - step_ij, the steps being the
thresholds). Output: JSON in simm's convention (location = difficulty,
higher = harder, centred at 0 over the items; a polytomous item's location is
the mean of its thresholds), SEs, infit/outfit (mirt.itemfit, EAP abilities,
so not the same numbers as CML/ML-based fit), EAP reliability and timings.

Usage:
    bench/.venv/bin/python bench/calibrate/peer_mirt.py --responses SHEET.csv \\
        --model MODEL.toml [--method rasch|pcm] [--output OUT.json] [--no-fit-stats]

The sheet is simm's format (respondent, attribute columns, item columns with
answers 1..points, empty = missing). Install with bench/setup.sh (pinned in
bench/requirements.txt).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import tomllib

import numpy as np


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="mirt (PyPI) MML Rasch/PCM peer for simm calibrate")
    ap.add_argument("--responses", required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--method", choices=["rasch", "pcm"], default=None)
    ap.add_argument("--output", default="-")
    ap.add_argument("--no-fit-stats", action="store_true", help="skip infit/outfit and reliability")
    args = ap.parse_args(argv)

    t_start = time.perf_counter()
    try:
        import mirt
        import pandas as pd
        from mirt.estimation.latent_density import GaussianDensity
    except ImportError as e:
        sys.exit(f"peer_mirt.py: {e}; run bench/setup.sh and use bench/.venv/bin/python")

    t0 = time.perf_counter()
    with open(args.model, "rb") as fh:
        model = tomllib.load(fh)
    points = int(model["scale"]["points"])
    items = model["items"]
    ids = [str(it["id"]) for it in items]
    method = args.method or ("rasch" if points == 2 else "pcm")
    if method == "rasch" and points != 2:
        sys.exit("peer_mirt.py: --method rasch needs a 2-point scale")

    df = pd.read_csv(args.responses, usecols=lambda c: c in set(ids), dtype="float32", engine="c")
    absent = [i for i in ids if i not in df.columns]
    if absent:
        sys.exit(f"peer_mirt.py: the sheet has no column for item(s) {', '.join(absent[:5])}")
    X = df[ids].to_numpy(dtype=np.float64) - 1.0
    del df
    X[np.isnan(X)] = -1.0  # mirt: negative = missing
    X = X.astype(np.int64)
    t_read = time.perf_counter()

    n_items = len(ids)
    if method == "rasch":
        m = mirt.models.OneParameterLogistic(n_items=n_items, item_names=ids)
    else:
        m = mirt.models.PartialCreditModel(n_items=n_items, n_categories=points, item_names=ids)
    est = mirt.EMEstimator(latent_density=GaussianDensity(estimate_cov=True))
    res = est.fit(m, X)
    t_fit = time.perf_counter()

    params = res.model.parameters
    ses = res.standard_errors or {}
    if method == "rasch":
        loc = np.asarray(params["difficulty"], dtype=float)
        thr = loc[:, None]
        se = np.asarray(ses.get("difficulty", np.full(n_items, np.nan)), dtype=float)
    else:
        thr = np.asarray(params["steps"], dtype=float)[:, : points - 1]
        loc = thr.mean(axis=1)
        st = ses.get("steps")
        # SE of the mean of the steps, ignoring their covariance (informational only)
        se = np.sqrt((np.asarray(st, dtype=float)[:, : points - 1] ** 2).sum(axis=1)) / (points - 1) if st is not None else np.full(n_items, np.nan)
    shift = loc.mean()
    loc = loc - shift
    thr = thr - shift

    infit = outfit = [None] * n_items
    reliability = None
    t_stats = t_fit
    if not args.no_fit_stats:
        fitstats = mirt.itemfit(res, X, statistics=["infit", "outfit"])
        infit = [float(v) for v in np.asarray(fitstats["infit"])]
        outfit = [float(v) for v in np.asarray(fitstats["outfit"])]
        sc = mirt.fscores(res, X, method="EAP")
        theta = np.asarray(sc.theta, dtype=float).ravel()
        psd = np.asarray(sc.standard_error, dtype=float).ravel()
        reliability = float(theta.var() / (theta.var() + np.mean(psd**2)))
        t_stats = time.perf_counter()

    answered = (X >= 0).sum(axis=0)
    cov = getattr(res, "latent_covariance", None)
    out = {
        "tool": "mirt (PyPI)",
        "version": mirt.__version__,
        "model": {"id": model.get("id"), "version": model.get("version")},
        "method": method,
        "estimator": "mml-em",
        "respondents": int(X.shape[0]),
        "latent_variance": float(np.asarray(cov).ravel()[0]) if cov is not None else None,
        "converged": bool(res.converged),
        "iterations": int(res.n_iterations),
        "items": [
            {
                "id": ids[j],
                "area": items[j]["area"],
                "stage": int(items[j]["stage"]),
                "answered": int(answered[j]),
                "location": float(loc[j]),
                "se": None if not np.isfinite(se[j]) else float(se[j]),
                "infit": infit[j],
                "outfit": outfit[j],
                "thresholds": [float(t) for t in thr[j]],
            }
            for j in range(n_items)
        ],
        "persons": {"n": int(X.shape[0]), "eap_reliability": reliability},
        "seconds": {
            "import": t0 - t_start,
            "read": t_read - t0,
            "fit": t_fit - t_read,
            "itemfit": t_stats - t_fit,
            "total": time.perf_counter() - t_start,
        },
    }
    text = json.dumps(out, indent=1)
    if args.output == "-":
        print(text)
    else:
        with open(args.output, "w", encoding="utf-8") as fh:
            fh.write(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
