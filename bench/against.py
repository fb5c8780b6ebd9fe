"""Bench: the engine's write and read paths against an older commit, in the same run (issue 21.3).

    .venv/bin/python bench/against.py [--rev cecfb1e] [--runs 3]

Checks the old commit out into a temporary git worktree and runs ``bench/engine_one.py`` (this tree's script, the
public API only) with each tree on PYTHONPATH, alternating old and new, each in a fresh interpreter: the day's
speed of the machine hits both alike. Prints the median of each figure.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(tree: Path, what: str) -> dict:
    out = subprocess.run([sys.executable, str(ROOT / "bench" / "engine_one.py"), what], cwd=tree, check=True,
                         capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(tree)})
    got = json.loads(out.stdout.strip().splitlines()[-1])
    if got.pop("tree") != str(tree.resolve()):  # the engine measured must be the tree's, not this repository's
        raise SystemExit(f"{what} in {tree} measured the engine of another tree")
    return got


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rev", default="cecfb1e")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--only", default="record,balance,send")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        old = Path(tmp) / "old"
        subprocess.run(["git", "worktree", "add", "-f", "--detach", str(old), args.rev], cwd=ROOT, check=True,
                       capture_output=True)
        try:
            for what in args.only.split(","):
                got: dict[str, list[dict]] = {"old": [], "new": []}
                for _ in range(args.runs):
                    got["old"].append(run(old, what))
                    got["new"].append(run(ROOT, what))
                for key in got["new"][0]:
                    o = statistics.median(r[key] for r in got["old"])
                    n = statistics.median(r[key] for r in got["new"])
                    print(f"{what:8} {key:14} {args.rev}: {o:12,.3f}   this tree: {n:12,.3f}   ({n / o:.2f}x)",
                          flush=True)
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(old)], cwd=ROOT, capture_output=True)


if __name__ == "__main__":
    main()
