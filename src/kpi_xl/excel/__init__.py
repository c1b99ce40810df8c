"""The excel face of kpi-xl."""
