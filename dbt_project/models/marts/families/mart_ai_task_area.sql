{{ indicator_family_mart('ai_task_area') }}
