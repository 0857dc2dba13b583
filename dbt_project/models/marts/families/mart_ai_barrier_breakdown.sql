{{ indicator_family_mart('ai_barrier', by_breakdown=true) }}
