"""The freshness rule: a survey year's delivery is late once 1 July of that year has passed without it.

Fieldwork runs March–May and the annual schedule loads on 15 June; by 1 July the vendor's delivery should
have landed. A year counts as delivered when its folder is in the landing folder or the load log holds it
(a loaded delivery's folder may have been cleared away since).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path

DUE_MONTH, DUE_DAY = 7, 1


def due_date(year: int) -> date:
    return date(year, DUE_MONTH, DUE_DAY)


def late_year(today: date, delivered_years: Iterable[int]) -> int | None:
    """This year, when its due date has passed (today is after 1 July) and it is not among `delivered_years`."""
    year = today.year
    return year if today > due_date(year) and year not in set(delivered_years) else None


def late_delivery_text(year: int, landing_dir: Path) -> str:
    return (
        f"The {year} delivery is late: 1 July {year} has passed and there is no folder {landing_dir / str(year)} "
        f"nor a load of {year} in the working database. Ask the vendor, or put the delivery in that folder "
        "(the landing sensor loads it)."
    )
