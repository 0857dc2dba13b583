{{ indicator_family_mart('infosec_statement') }}
