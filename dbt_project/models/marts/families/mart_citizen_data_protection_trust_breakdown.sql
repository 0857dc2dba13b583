{{ indicator_family_mart('citizen_data_protection_trust', by_breakdown=true) }}
