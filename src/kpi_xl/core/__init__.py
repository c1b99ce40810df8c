"""Core primitives shared by every KPI: the error contract and input validation.

No Excel, no file I/O and no heavy imports here (numpy only).
"""
