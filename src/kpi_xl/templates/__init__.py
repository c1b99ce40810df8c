"""The templates face of kpi-xl."""
