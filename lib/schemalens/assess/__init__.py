"""Stage 2: findings: the plan's assumptions against the schema the migrations build."""
