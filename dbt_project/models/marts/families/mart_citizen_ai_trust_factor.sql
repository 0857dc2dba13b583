{{ indicator_family_mart('citizen_ai_trust_factor') }}
