#!/usr/bin/env python3
"""Checks the built-in model against the article it comes from.

The article is not part of the repository: it sits in the shared folder
beside the checkout, where CI has it, so this check runs from .ci/run and
not from scripts/test. Every stage characteristic of the model must be
worded as in the article, and every bullet of the article must be carried.

Usage: .ci/check-article.py MODEL.toml ARTICLE.txt
"""
import sys
import tomllib


def main(model_path: str, article_path: str) -> int:
    with open(model_path, "rb") as handle:
        model = tomllib.load(handle)
    with open(article_path, encoding="utf-8") as handle:
        article = handle.read()
    problems = []
    characteristics = 0
    for stage in model["stages"]:
        for characteristic in stage.get("characteristics", []):
            characteristics += 1
            if characteristic not in article:
                problems.append(
                    f"{model_path}: stage {stage['level']} characteristic "
                    f"{characteristic!r} is not worded as in the article"
                )
    bullets = sum(1 for line in article.splitlines() if line.lstrip().startswith("\u2022"))
    # Two stage-4 bullets each hold two sentences, which the model splits.
    if characteristics != bullets + 2:
        problems.append(
            f"{model_path}: {characteristics} characteristics for {bullets} bullets "
            f"of the article; expected {bullets + 2}"
        )
    for problem in problems:
        print(problem, file=sys.stderr)
    if not problems:
        print(f"the model carries all {bullets} bullets of the article")
    return 1 if problems else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1], sys.argv[2]))
