"""The reconciliation with the published report as a non-blocking Dagster asset check: a named warning.

A figure out of tolerance fails the check with severity WARN and the figures listed, and publishing goes
on; the hard checks (dbt contracts and tests, the Great Expectations suite) still block.
"""

from __future__ import annotations

import dagster as dg

from itip_pipeline.core.settings import get_settings
from itip_pipeline.warehouse import candidates

RECONCILIATION_KEY = dg.AssetKey(["marts", "published_reconciliation"])
CHECK_NAME = "reproduces_published_figures"


@dg.asset_check(
    asset=RECONCILIATION_KEY,
    name=CHECK_NAME,
    blocking=False,
    description="Every high- and medium-confidence figure of the report reproduced within tolerance. A warning, "
    "not a gate: a self-consistency check on synthetic data, a definition finder on real data.",
)
def reconciliation_check(context) -> dg.AssetCheckResult:  # AssetCheckExecutionContext (no string annotation)
    from itip_pipeline.quality.reconciliation import suppressed_figures, warning_lines

    settings = get_settings()
    # The run's own frozen build, like the blocking checks: the figures named are the ones this run publishes.
    run_id = context.run.run_id
    candidate = candidates.checked_build(settings.candidates_dir, run_id)
    frame = candidates.read_marts(candidate, [RECONCILIATION_KEY.path[-1]])[0][RECONCILIATION_KEY.path[-1]]
    lines, withheld = warning_lines(frame), suppressed_figures(frame)
    judged = int(frame["within_tolerance"].notna().sum())
    summary = (
        (f"{len(lines)} of {judged} judged figures outside tolerance:\n" + "\n".join(lines))
        if lines
        else f"all {judged} judged figures within tolerance"
    )
    if withheld:
        summary += f"\nnot judged, the warehouse suppresses their cell: {', '.join(withheld)}"
    return dg.AssetCheckResult(
        passed=not lines,
        severity=dg.AssetCheckSeverity.WARN,
        description=summary,
        metadata={
            "judged": judged,
            "outside_tolerance": len(lines),
            "figures": dg.MetadataValue.md("\n".join(f"- {line}" for line in lines) or "none"),
            "suppressed": dg.MetadataValue.json(withheld),
        },
    )
