"""HMI: Dash + Plotly control-room screens with flask-login sign-in (HMI issue).

Reads tag values, alarms and history; changes only go through the server's audited services.
"""
