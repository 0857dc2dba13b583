{{ indicator_family_mart('ai_barrier') }}
