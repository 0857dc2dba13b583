{{ indicator_family_mart('authority_support') }}
