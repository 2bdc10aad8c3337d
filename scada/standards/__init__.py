"""Data and formulas from national standards (GB 18218-2018, GB/T 50493-2019).

The tables are CSV files under ``data/``, copied verbatim from the domain brief; code never
hard-codes a value that a table holds.
"""
