"""The reconciliation warning: which published figures the warehouse does not reproduce, named one by one.

marts.published_reconciliation holds the comparison (dbt); this module only words it. It is a warning, never
a gate: on the synthetic data it is a self-consistency check of the calibration, on real data a way to find
which definition a published figure used (its sensitivity columns), and neither should stop publishing.
"""

from __future__ import annotations

import math

import pandas as pd

SENSITIVITY = {
    "warehouse_pct_dont_know_excluded": '"vet ikke" left out',
    "warehouse_pct_with_county_municipalities": "with county municipalities",
    "warehouse_pct_without_county_municipalities": "without county municipalities",
}


def _pct(value) -> str:
    return "none" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.1f} %"


def figures_outside_tolerance(reconciliation: pd.DataFrame) -> pd.DataFrame:
    """The judged figures the warehouse does not reproduce (within_tolerance false)."""
    return reconciliation[reconciliation["within_tolerance"].eq(False)].sort_values("figure_id")  # noqa: E712


def suppressed_figures(reconciliation: pd.DataFrame) -> list[str]:
    """Ids of the figures not judged because the warehouse withholds their cell (disclosure control)."""
    withheld = reconciliation["verdict"].eq("not judged: suppressed by disclosure control")
    return sorted(reconciliation.loc[withheld, "figure_id"])


def warning_lines(reconciliation: pd.DataFrame) -> list[str]:
    """One line per figure outside tolerance: id, what it is, published and warehouse value, difference,
    and the same figure under the alternative definitions where the warehouse can show them."""
    lines = []
    for row in figures_outside_tolerance(reconciliation).to_dict("records"):
        item = f"/{row['item']}" if isinstance(row.get("item"), str) else ""
        diff = row.get("diff_pp")
        difference = "no warehouse value" if diff is None or pd.isna(diff) else f"difference {diff:+.1f} pp"
        alternatives = [
            f"{label} {_pct(row[column])}"
            for column, label in SENSITIVITY.items()
            if column in row and not pd.isna(row[column])
        ]
        lines.append(
            f"{row['figure_id']} {row['indicator_id']}{item} {row['population']} {row['year']}: "
            f"published {_pct(row['published_pct'])}, warehouse {_pct(row['warehouse_pct'])}, {difference}"
            + (f" (alternatives: {'; '.join(alternatives)})" if alternatives else "")
        )
    return lines
