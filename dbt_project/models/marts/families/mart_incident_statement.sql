{{ indicator_family_mart('incident_statement') }}
