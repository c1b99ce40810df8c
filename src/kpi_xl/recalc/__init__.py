"""Headless recalculation of workbooks: read, evaluate (ordinary formulas and KPI_* calls),
patch the values in place."""
