{{ indicator_family_mart('risk_statement') }}
