"""Governance workflows (regulation arts. 12, 18–23): daily safety commitments, out-of-service
declarations, offline statistics, account applications, maintenance notices and usage problems,
monthly risk-analysis reports and the searchable audit trail.

Owns the ``gov_*`` tables and reads the alarm journal, the warning tables and offline episodes;
it changes the alarm engine only through ``AlarmEngine.set_out_of_service``.
"""
