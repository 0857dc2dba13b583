"""Reading, validating and loading one year's delivery into the raw schema."""
