"""Run the sample generator as ``python -m procrisk.sample --out sample_data --seed 2018``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from procrisk.errors import ProcriskError
from procrisk.sample.generate import generate_sample


def main(argv: list[str] | None = None) -> int:
    """Parse the options, write the sample files and print their paths."""
    parser = argparse.ArgumentParser(prog="python -m procrisk.sample", description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("sample_data"), help="output folder")
    parser.add_argument("--seed", type=int, default=2018)
    parser.add_argument("--contracts", type=int, default=3000)
    parser.add_argument("--suppliers", type=int, default=400)
    parser.add_argument("--releases", type=int, default=300)
    args = parser.parse_args(argv)
    try:
        paths = generate_sample(
            args.out,
            seed=args.seed,
            contracts=args.contracts,
            suppliers=args.suppliers,
            releases=args.releases,
        )
    except ProcriskError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 1
    for path in paths.values():
        sys.stdout.write(f"{path}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
