{{ indicator_family_mart('citizen_ai_view') }}
