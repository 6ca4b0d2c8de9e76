#!/usr/bin/env python3
"""Compare two JSON results (e.g. ``simm score --format json`` and bench/peer_pandas.py).

Walks both documents recursively and requires:

* objects: the same set of keys (with ``--key-order`` also the same order),
  values compared key by key;
* arrays: the same length, elements compared position by position;
* numbers: equal within an absolute tolerance (default 1e-9; integers and
  floats compare by value, so 3 == 3.0); booleans are not numbers;
* strings, booleans and null: equal (null only equals null).

Prints the first differences (``--max``, default 20) as JSON paths such as
``$.groups[2].areas[0].gap.min_items[1]`` and exits 1 on any mismatch;
prints ``results agree`` and exits 0 otherwise. Exit status 2 for unreadable
input. Either path may be ``-`` for stdin.

Usage:
    python bench/compare.py simm.json peer.json [--tol 1e-9] [--max 20] [--key-order]
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from numbers import Number


def kind(x) -> str:
    if x is None:
        return "null"
    if isinstance(x, bool):
        return "boolean"
    if isinstance(x, Number):
        return "number"
    if isinstance(x, str):
        return "string"
    if isinstance(x, list):
        return "array"
    if isinstance(x, dict):
        return "object"
    return type(x).__name__


def short(x, limit: int = 80) -> str:
    s = json.dumps(x, allow_nan=True)
    return s if len(s) <= limit else s[: limit - 3] + "..."


def diff(a, b, path: str, tol: float, key_order: bool, out: list[str], limit: int) -> None:
    if len(out) >= limit:
        return
    ka, kb = kind(a), kind(b)
    if ka != kb:
        out.append(f"{path}: {ka} {short(a)} != {kb} {short(b)}")
        return
    if ka == "object":
        only_a = [k for k in a if k not in b]
        only_b = [k for k in b if k not in a]
        if only_a:
            out.append(f"{path}: keys only in first: {', '.join(only_a)}")
        if only_b:
            out.append(f"{path}: keys only in second: {', '.join(only_b)}")
        if key_order and not only_a and not only_b and list(a) != list(b):
            out.append(f"{path}: key order {list(a)} != {list(b)}")
        for k in a:
            if k in b:
                diff(a[k], b[k], f"{path}.{k}" if k.isidentifier() else f"{path}[{json.dumps(k)}]", tol, key_order, out, limit)
    elif ka == "array":
        if len(a) != len(b):
            out.append(f"{path}: array length {len(a)} != {len(b)}")
        for i, (x, y) in enumerate(zip(a, b)):
            diff(x, y, f"{path}[{i}]", tol, key_order, out, limit)
    elif ka == "number":
        if isinstance(a, int) and isinstance(b, int):
            ok = a == b
        else:
            fa, fb = float(a), float(b)
            ok = (fa == fb) or (math.isfinite(fa) and math.isfinite(fb) and abs(fa - fb) <= tol)
        if not ok:
            out.append(f"{path}: {a!r} != {b!r} (diff {abs(float(a) - float(b)):.3g})")
    elif a != b:
        out.append(f"{path}: {short(a)} != {short(b)}")


def load(path: str):
    try:
        if path == "-":
            return json.load(sys.stdin)
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except (OSError, ValueError) as e:
        print(f"compare.py: cannot read {path}: {e}", file=sys.stderr)
        sys.exit(2)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="compare two JSON results number by number")
    ap.add_argument("first")
    ap.add_argument("second")
    ap.add_argument("--tol", type=float, default=1e-9, help="absolute tolerance for numbers (default 1e-9)")
    ap.add_argument("--max", type=int, default=20, help="differences to print (default 20)")
    ap.add_argument("--key-order", action="store_true", help="also require the same key order in objects")
    args = ap.parse_args(argv)

    a, b = load(args.first), load(args.second)
    out: list[str] = []
    # collect one more than printed, to say whether there are more
    diff(a, b, "$", args.tol, args.key_order, out, args.max + 1)
    if out:
        try:
            print(f"results differ ({args.first} vs {args.second}):")
            for line in out[: args.max]:
                print("  " + line)
            if len(out) > args.max:
                print(f"  ... (more differences not shown; --max {args.max})")
            sys.stdout.flush()
        except BrokenPipeError:  # e.g. piped into head: the verdict is the exit status
            sys.stdout = None
        return 1
    print("results agree")
    return 0


if __name__ == "__main__":
    sys.exit(main())
