{#- The guard of the finite-population-correction policy: with var `apply_fpc` on, every loaded year of every
    stratum that needs a frame (populations.frame_required) must have a row in seeds/population_frame.csv.
    A missing row fails the build, naming the year and the seed to edit, instead of silently leaving that
    year's intervals uncorrected (a new survey year otherwise loads before anyone adds its frame). -#}
{% macro assert_population_frames_cover(answers) %}
    {%- if execute and var('apply_fpc') -%}
        {%- set missing = run_query(
            "select distinct a.survey_year, a.respondent_group"
            ~ " from " ~ answers ~ " as a"
            ~ " inner join " ~ ref('stg_populations') ~ " as p"
            ~ " on p.population = a.respondent_group and p.frame_required"
            ~ " left join " ~ ref('stg_population_frame') ~ " as f"
            ~ " on f.population = a.respondent_group and f.survey_year = a.survey_year"
            ~ " where f.frame_size is null order by 1, 2"
        ) -%}
        {%- if missing.rows | length > 0 -%}
            {%- set gaps = [] -%}
            {%- for row in missing.rows -%}
                {%- do gaps.append(row[1] ~ " in " ~ row[0]) -%}
            {%- endfor -%}
            {{ exceptions.raise_compiler_error(
                "The finite population correction is on (var apply_fpc) but the population frame has no size for "
                ~ gaps | join(", ")
                ~ ". Add a row (survey_year, population, frame_size, source) for each to"
                ~ " dbt_project/seeds/population_frame.csv, or build with apply_fpc false."
            ) }}
        {%- endif -%}
    {%- endif -%}
{% endmacro %}
