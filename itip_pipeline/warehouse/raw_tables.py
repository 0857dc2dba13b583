"""The raw schema: tables the loads write and dbt's sources read, and the year-replacing write.

Answers are stored long (one row per respondent × question) under stable question ids, so a question
that appears or is renamed in a new year needs no schema change.
"""

from __future__ import annotations

from itip_pipeline.warehouse.transactions import transaction

RAW_DDL = """
create schema if not exists raw;
create table if not exists raw.org_respondents (
    survey_year integer not null, orgnr varchar not null, sector varchar not null, kommunenr varchar,
    source_file varchar not null, source_row integer not null, load_id varchar not null
);
create table if not exists raw.org_answers (
    survey_year integer not null, orgnr varchar not null, question_id varchar not null, answer_code integer
);
-- A panel respondent is keyed by its pseudonym and, within its year, by its number (1..n in delivered order):
-- the answers carry the number, four bytes a row, where the 64-character pseudonym would be written, hashed and
-- compared in every answer row of every model after.
create table if not exists raw.panel_respondents (
    survey_year integer not null, respondent_number integer not null, respondent_key varchar not null,
    weight double not null, gender varchar not null, age_group varchar not null, region varchar not null,
    source_file varchar not null, source_row integer not null, load_id varchar not null
);
create table if not exists raw.panel_answers (
    survey_year integer not null, respondent_number integer not null, question_id varchar not null,
    answer_code integer
);
create table if not exists raw.codebook (
    survey_year integer not null, survey varchar not null, source_column varchar not null,
    question_id varchar not null, scale varchar not null, min_code integer not null, max_code integer not null,
    dont_know_code integer, wording varchar
);
create table if not exists raw.load_log (
    load_id varchar not null, survey_year integer not null, survey varchar not null, file_name varchar not null,
    sha256 varchar not null, n_rows integer, status varchar not null, message varchar,
    loaded_at timestamp not null, key_fingerprint varchar
);
-- Work databases made before the pseudonym key's fingerprint was recorded get the column (null = unknown key).
alter table raw.load_log add column if not exists key_fingerprint varchar;
"""

# Work databases whose panel answers carry the pseudonym: the two panel tables made again in the layout above,
# each respondent numbered in its year (files and rows in their order), in one transaction.
_PANEL_KEYED = """
alter table raw.panel_respondents rename to panel_respondents_keyed;
alter table raw.panel_answers rename to panel_answers_keyed;
"""
_PANEL_NUMBERED = """
insert into raw.panel_respondents
    (survey_year, respondent_number, respondent_key, weight, gender, age_group, region, source_file, source_row,
    load_id)
select
    survey_year,
    row_number() over (partition by survey_year order by source_file, source_row),
    respondent_key, weight, gender, age_group, region, source_file, source_row, load_id
from raw.panel_respondents_keyed;
insert into raw.panel_answers (survey_year, respondent_number, question_id, answer_code)
select answer.survey_year, respondent.respondent_number, answer.question_id, answer.answer_code
from raw.panel_answers_keyed as answer
inner join raw.panel_respondents as respondent using (survey_year, respondent_key)
order by answer.survey_year, respondent.respondent_number;
drop table raw.panel_answers_keyed;
drop table raw.panel_respondents_keyed;
"""


def create_raw_tables(con) -> None:
    """The raw schema in place on an open read-write connection, an older work database's brought up to date."""
    con.execute(RAW_DDL)
    keyed = con.execute(
        "select count(*) from duckdb_columns() where schema_name = 'raw' and table_name = 'panel_answers' "
        "and column_name = 'respondent_key' and database_name = current_database()"
    ).fetchall()[0][0]
    if keyed:
        with transaction(con):
            con.execute(_PANEL_KEYED)
            con.execute(RAW_DDL)
            con.execute(_PANEL_NUMBERED)


# The tables one survey's load replaces for a year; the codebook is replaced per (year, survey) too.
SURVEY_TABLES = {
    "org": ("raw.org_respondents", "raw.org_answers"),
    "panel": ("raw.panel_respondents", "raw.panel_answers"),
}
