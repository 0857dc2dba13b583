-- An answer counts once for every population whose respondent groups include its respondent's group
-- (an agency's answer counts for `stat` and for `alle`), restricted to the populations the indicator
-- is published for.
{{ answers_by_indicator(
    ref('int_answers_long'),
    ['survey', 'survey_year', 'respondent_id', 'respondent_group', 'weight', 'question_id', 'answer_code',
     'is_answered', 'is_dont_know']
) }}
