"""The floor: the same delivered files through the same readers, the indicator shares as plain SQL.

No orchestration, no validation, no dbt, no publishing: each file is read with
itip_pipeline.ingest.files.readers.read_table, melted long in one DuckDB connection, mapped to question ids
through the year's codebook and joined to the indicator catalogue and the populations seed. The share
per indicator × item × population × year is what fct_indicator computes: answers in success_codes over
non-blank answers (vet ikke in the base where the catalogue says so), organisations unweighted, the panel
weighted, `alle` pooling every sector. `--warehouse` checks these shares against a published warehouse.

    python benchmarks/floor.py <landing dir> [--warehouse itip.duckdb]   -> JSON on stdout
"""

from __future__ import annotations

import time

STARTED = time.perf_counter()  # before the imports: `itip run`'s wall time includes its imports too

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

import duckdb  # noqa: E402

from itip_pipeline.core.contract import CODEBOOK_COLUMNS, FILE_PREFIXES, REQUIRED_ID_COLUMNS  # noqa: E402
from itip_pipeline.core.settings import get_settings  # noqa: E402
from itip_pipeline.core.survey_years import year_folders  # noqa: E402
from itip_pipeline.ingest.files.delivery_files import delivery_files  # noqa: E402
from itip_pipeline.ingest.files.readers import read_table  # noqa: E402

SEEDS = get_settings().dbt_project_dir / "seeds"
# Per survey: the delivered columns that are not questions, the respondent's group and weight as SQL.
RESPONDENT_SQL = {
    "org": ("lower(trim(sektor))", "1.0::double"),
    "panel": ("'innbyggere'", "try_cast(vekt as double)"),
}
TOLERANCE = 1e-9


def _load_long(con: duckdb.DuckDBPyConnection, landing: Path) -> int:
    """Every year's answers into table `answers` (year, survey, group, weight, question, code); rows read."""
    con.execute("""create table codebook (survey_year integer, survey varchar, source_key varchar,
                   question_id varchar, dont_know_code integer)""")
    con.execute("""create table answers (survey_year integer, survey varchar, respondent_group varchar,
                   weight double, question_id varchar, answer_code integer, dont_know_code integer)""")
    rows = 0
    for year in year_folders(landing):
        delivered = delivery_files(landing, year)
        book = read_table(delivered.codebook, CODEBOOK_COLUMNS)  # noqa: F841 (read by DuckDB)
        con.execute(f"""insert into codebook select {year}, survey, lower(trim(source_column)), question_id,
                        try_cast(dont_know_code as double)::integer from book""")
        for survey in FILE_PREFIXES:
            group, weight = RESPONDENT_SQL[survey]
            id_columns = ", ".join((*REQUIRED_ID_COLUMNS[survey], "source_row"))
            for path in delivered.surveys[survey]:
                frame = read_table(path, REQUIRED_ID_COLUMNS[survey])
                rows += len(frame)
                con.register("delivered", frame)
                con.execute(f"""
                    insert into answers
                    select {year}, '{survey}', {group}, {weight}, cb.question_id,
                           try_cast(melted.answer_text as double)::integer, cb.dont_know_code
                    from (unpivot delivered on columns(* exclude ({id_columns}))
                          into name source_key value answer_text) as melted
                    inner join codebook as cb
                        on cb.survey_year = {year} and cb.survey = '{survey}' and cb.source_key = melted.source_key
                """)
                con.unregister("delivered")
    return rows


SHARES_SQL = f"""
create table floor_shares as
with catalogue as (
    select indicator_id, item, question_id, string_split(populations, '|') as populations,
           cast(string_split(success_codes, '|') as integer[]) as success_codes, dont_know_in_base
    from read_csv('{SEEDS / "indicator_catalogue.csv"}', header = true, all_varchar = false)
),
populations as (
    select population, survey, string_split(respondent_groups, '|') as respondent_groups
    from read_csv('{SEEDS / "populations.csv"}', header = true)
),
counted as (
    select c.indicator_id, c.item, p.population, a.survey_year, a.weight,
           list_contains(c.success_codes, a.answer_code) as is_success
    from answers as a
    inner join populations as p on p.survey = a.survey and list_contains(p.respondent_groups, a.respondent_group)
    inner join catalogue as c on c.question_id = a.question_id and list_contains(c.populations, p.population)
    where a.answer_code is not null
      and (c.dont_know_in_base or a.answer_code is distinct from a.dont_know_code)
)
select indicator_id, item, population, survey_year as year,
       sum(weight) filter (where is_success) / sum(weight) as share, count(*) as n_base
from counted
group by all
"""


def compute(landing: Path) -> tuple[duckdb.DuckDBPyConnection, int]:
    """A connection holding `floor_shares`, and the number of respondent rows read."""
    con = duckdb.connect()
    rows = _load_long(con, landing)
    con.execute(SHARES_SQL)
    return con, rows


def compare(con: duckdb.DuckDBPyConnection, warehouse: Path) -> dict:
    """Floor shares against every published (non-suppressed) share_pct; the largest difference and misses."""
    con.execute(f"attach '{warehouse}' as published (read_only)")
    compared, missing, max_diff = con.execute("""
        select count(*), count(*) filter (where f.share is null),
               coalesce(max(abs(coalesce(f.share, 0) * 100 - p.share_pct) / 100), 0)
        from published.marts.fct_indicator as p
        left join floor_shares as f
            on f.indicator_id = p.indicator_id and f.item is not distinct from p.item
            and f.population = p.population and f.year = p.year
        where p.share_pct is not null
    """).fetchone()
    con.execute("detach published")
    return {
        "compared": compared,
        "missing": missing,
        "max_abs_diff": max_diff,
        "equal": compared > 0 and missing == 0 and max_diff <= TOLERANCE,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("landing", type=Path)
    parser.add_argument("--warehouse", type=Path, help="a published itip.duckdb to check the shares against")
    args = parser.parse_args(argv)
    con, rows = compute(args.landing)
    result = {
        "seconds": time.perf_counter() - STARTED,
        "respondent_rows": rows,
        "shares": con.execute("select count(*) from floor_shares").fetchone()[0],
    }
    if args.warehouse:
        result["check"] = compare(con, args.warehouse)
    print(json.dumps(result))
    return 0 if not args.warehouse or result["check"]["equal"] else 1


if __name__ == "__main__":
    sys.exit(main())
