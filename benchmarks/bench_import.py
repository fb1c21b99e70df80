"""Launch responsiveness: how long ``import seed_assets.definitions`` takes, against a bare
``import dagster`` measured in the same run.

Every Dagster launch pays the definitions' import: the webserver's code server, each run worker
and each step process. The goal (issue 17) is under 1.2 s on a quiet machine, where
``import dagster`` alone takes about 0.66 s.

Each figure is the best of `--repeat` fresh interpreters (the two commands alternate, so a burst
of load hits both alike); every run's seconds are printed too. ``--importtime`` also prints the
slowest modules seed_assets pulls in (``python -X importtime``), to see what to make lazy.

``--against DIR`` adds a row for another checkout's definitions (say ``git archive main | tar -x
-C /tmp/ref``), imported with this environment, to compare before and after on one machine.

Run: ``.venv/bin/python benchmarks/bench_import.py [--repeat 7] [--importtime] [--against DIR]``.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 1.2
COMMANDS = {
    "baseline: import dagster": "import dagster",
    "import seed_assets.definitions": "import seed_assets.definitions",
}
# Heavy libraries the definitions must not import at launch (the checks and the ML asset do).
LAZY = ("scipy", "sklearn", "great_expectations", "pandera", "sqlalchemy")


def _env(root: Path = ROOT) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(root), env.get("PYTHONPATH")]))
    return env


def timed(code: str, root: Path = ROOT) -> float:
    """Wall seconds of a fresh interpreter running `code` (interpreter start included)."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, cwd=root, env=_env(root))
    return time.perf_counter() - started


def eager_heavy_modules() -> list[str]:
    """Which of LAZY the definitions import at launch (should be none)."""
    code = (
        "import sys, seed_assets.definitions; "
        f"print(' '.join(m for m in {LAZY!r} if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True, env=_env()
    )
    return out.stdout.split()


def slowest_packages(limit: int = 15) -> list[tuple[int, str]]:
    """(self microseconds summed, top-level package) of what the definitions import beyond
    ``import dagster``: where the rest of the launch goes."""

    def self_times(code: str) -> dict[str, int]:
        out = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", code],
            check=True,
            capture_output=True,
            text=True,
            env=_env(),
        )
        totals: dict[str, int] = {}
        for line in out.stderr.splitlines():
            match = re.match(r"import time:\s+(\d+) \|\s+\d+ \| *(\S+)", line)
            if match:
                package = match.group(2).split(".")[0]
                totals[package] = totals.get(package, 0) + int(match.group(1))
        return totals

    ours = self_times("import seed_assets.definitions")
    dagster = self_times("import dagster")
    rows = [(micros, name) for name, micros in ours.items() if name not in dagster]
    return sorted(rows, reverse=True)[:limit]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--importtime", action="store_true")
    parser.add_argument("--against", type=Path, help="another checkout to measure alongside")
    args = parser.parse_args()
    roots = {name: ROOT for name in COMMANDS}
    commands = dict(COMMANDS)
    if args.against:
        name = f"definitions of {args.against}"
        commands[name], roots[name] = "import seed_assets.definitions", args.against.resolve()

    # As installed: bytecode compiled (where PYTHONDONTWRITEBYTECODE is set, as on the CI
    # machines, every launch would otherwise compile seed_assets from source: ~0.2 s).
    for root in set(roots.values()):
        compile_all = [sys.executable, "-m", "compileall", "-q", str(root / "seed_assets")]
        subprocess.run(compile_all, check=True)
    for name, code in commands.items():  # warm the page cache once
        timed(code, roots[name])
    runs: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(args.repeat):
        for name, code in commands.items():
            runs[name].append(timed(code, roots[name]))
    best = {name: min(seconds) for name, seconds in runs.items()}
    baseline, ours = list(best.values())[:2]
    width = max(34, *(len(n) for n in runs))
    print(f"{'what':<{width}} {'best s':>7} {'/dagster':>8}   runs")
    for name, seconds in runs.items():
        print(
            f"{name:<{width}} {best[name]:7.3f} {best[name] / baseline:8.2f}   "
            + " ".join(f"{s:.2f}" for s in seconds)
        )
    print(f"{'seed_assets on top of dagster':<{width}} {ours - baseline:7.3f}")
    print(
        f"target: under {TARGET_SECONDS} s on a quiet machine (dagster alone ~0.66 s); "
        f"scaled to this run's dagster: {TARGET_SECONDS * baseline / 0.66:.2f} s -> "
        + ("OK" if ours < TARGET_SECONDS * baseline / 0.66 else "OVER")
    )
    eager = eager_heavy_modules()
    print("heavy modules imported at launch: " + (", ".join(eager) if eager else "none"))
    if args.importtime:
        print("\npackages imported beyond dagster's own (ms, one run):")
        for micros, module in slowest_packages():
            print(f"{micros / 1000:9.1f}  {module}")


if __name__ == "__main__":
    main()
