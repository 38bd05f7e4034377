"""Run the benchmarks: ``python -m benchmarks [--smoke] [NAME ...]``.

Each ``bench_*.py`` module runs in its own process (a fair peak-RSS figure for each) and
prints its own markdown table. ``--smoke`` runs every benchmark at a tiny size: CI uses it to
prove they still run; the real figures come from full runs recorded in docs/performance.md.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    """Run the selected benchmarks one after another; return non-zero if any failed."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes (CI)")
    parser.add_argument("names", nargs="*", help="e.g. codec ledger (default: all)")
    args = parser.parse_args(argv)
    here = Path(__file__).parent
    modules = sorted(p.stem for p in here.glob("bench_*.py"))
    if args.names:
        modules = [m for m in modules if m.removeprefix("bench_") in args.names]
    failed = []
    for module in modules:
        print(f"\n## {module}\n", flush=True)
        cmd = [sys.executable, "-m", f"benchmarks.{module}"]
        if args.smoke:
            cmd.append("--smoke")
        if subprocess.run(cmd, check=False).returncode != 0:
            failed.append(module)
    if failed:
        print(f"\nFAILED: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
