"""The raw schema: tables the loads write and dbt's sources read, and the year-replacing write.

Answers are stored long (one row per respondent × question) under stable question ids, so a question
that appears or is renamed in a new year needs no schema change.
"""

from __future__ import annotations

RAW_DDL = """
create schema if not exists raw;
create table if not exists raw.org_respondents (
    survey_year integer not null, orgnr varchar not null, sector varchar not null, kommunenr varchar,
    source_file varchar not null, source_row integer not null, load_id varchar not null
);
create table if not exists raw.org_answers (
    survey_year integer not null, orgnr varchar not null, question_id varchar not null, answer_code integer
);
create table if not exists raw.panel_respondents (
    survey_year integer not null, respondent_key varchar not null, weight double not null,
    gender varchar not null, age_group varchar not null, region varchar not null,
    source_file varchar not null, source_row integer not null, load_id varchar not null
);
create table if not exists raw.panel_answers (
    survey_year integer not null, respondent_key varchar not null, question_id varchar not null, answer_code integer
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

# The tables one survey's load replaces for a year; the codebook is replaced per (year, survey) too.
SURVEY_TABLES = {
    "org": ("raw.org_respondents", "raw.org_answers"),
    "panel": ("raw.panel_respondents", "raw.panel_answers"),
}
