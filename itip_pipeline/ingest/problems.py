"""What went wrong with a delivery, said so a data engineer can act on it.

Every reader and validation rule reports through `Problem` (file, row, column, value, rule) and raises
`DeliveryRejected`, so the loader can quarantine the file and write one readable report. A Problem never
holds a personal value: it is masked when the Problem is made.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from itip_pipeline.core.escaping import for_terminal
from itip_pipeline.core.personal_values import mask, masked_name, must_mask, personal_kind


@dataclass(frozen=True)
class Problem:
    file: str
    rule: str
    row: int | None = None  # 1-based row in the delivered file, header included, as a spreadsheet shows it
    column: str | None = None
    value: str | None = None  # as it may be shown: masked when personal (personal_data.must_mask)

    def __post_init__(self) -> None:
        # The one place a value enters a Problem: masking here keeps personal values out of every rendering
        # (str, repr, report.md/json, Dagster metadata and failures, the terminal).
        if self.value is not None and must_mask(self.column, self.value):
            object.__setattr__(self, "value", mask(self.value))
        # So can a file or folder name (a delivery saved under a respondent's e-mail address).
        object.__setattr__(self, "file", masked_name(self.file))
        # A header can be personal data itself (a vendor's e-mail address typed as a column name).
        if self.column is not None and personal_kind(self.column) is not None:
            object.__setattr__(self, "column", mask(self.column))

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column!r}")
        text = ", ".join(where)
        if self.value is not None:
            text += f", value {self.value!r}"
        # The line form goes to logs and terminals: a file name or header with control characters is shown escaped.
        return for_terminal(f"{text}: {self.rule}")

    def as_dict(self) -> dict:
        return asdict(self)


def parser_message(exc: BaseException) -> str | None:
    """A third-party parser's error as a Problem may quote it, or None when the message quotes a personal
    value (a parser repeats the cell it choked on: "could not convert string to float: '22.33.44.55'")."""
    text = f"{type(exc).__name__}: {exc}"
    return None if personal_kind(text) is not None else text


class DeliveryRejected(Exception):
    """A delivered file cannot be loaded. Carries every problem found, not just the first."""

    def __init__(self, problems: list[Problem], max_shown: int = 20):
        if not problems:
            raise ValueError("DeliveryRejected needs at least one problem")
        self.problems = problems
        shown = "\n".join(f"  - {p}" for p in problems[:max_shown])
        more = f"\n  ... and {len(problems) - max_shown} more" if len(problems) > max_shown else ""
        super().__init__(f"{len(problems)} problem(s) in the delivery:\n{shown}{more}")

    @classmethod
    def single(cls, file: Path | str, rule: str, **where) -> DeliveryRejected:
        return cls([Problem(file=str(file), rule=rule, **where)])
