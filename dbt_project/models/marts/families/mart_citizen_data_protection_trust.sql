{{ indicator_family_mart('citizen_data_protection_trust') }}
