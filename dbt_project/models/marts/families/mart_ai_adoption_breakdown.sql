{{ indicator_family_mart('ai_adoption', by_breakdown=true) }}
