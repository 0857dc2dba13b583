"""The `itip` command: the entry points the Makefile and a data engineer use."""

from __future__ import annotations

import argparse
from pathlib import Path

from itip_pipeline.settings import get_settings


def parse_years(text: str) -> list[int]:
    """'2021-2025' or '2021,2023' or '2025' -> a sorted list of years."""
    years: set[int] = set()
    for part in text.split(","):
        first, _, last = part.strip().partition("-")
        years.update(range(int(first), int(last or first) + 1))
    return sorted(years)


def _generate(args: argparse.Namespace) -> None:
    from itip_pipeline.synthetic.generator import generate_deliveries

    out = Path(args.out).resolve() if args.out else get_settings().landing_dir
    written = generate_deliveries(out, parse_years(args.years), seed=args.seed, scale=args.scale)
    print(f"Wrote {len(written)} SYNTHETIC delivery files under {out}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="itip", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    gen = sub.add_parser("generate", help="write synthetic (clearly labelled) deliveries")
    gen.add_argument("--years", default="2021-2025")
    gen.add_argument("--seed", type=int, default=2025)
    gen.add_argument("--scale", type=float, default=1.0, help="multiplies the citizen panel's size")
    gen.add_argument("--out", help="landing folder (default: the settings' data/landing)")
    gen.set_defaults(func=_generate)
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    args.func(args)


if __name__ == "__main__":
    main()
