{{ indicator_family_mart('infosec_leadership_guidance') }}
