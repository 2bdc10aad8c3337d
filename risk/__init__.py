"""Enterprise warning level and the warning workflow (regulation arts. 10–17, 24).

``risk.evaluate`` turns alarm KPIs and GB 18218 inherent risk into a colour per enterprise,
``risk.workflow`` runs each yellow/orange/red warning through pushes, tasks, deadlines and
notices (declarative rules on durable-rules, persisted timers), ``risk.notify`` delivers in-app,
e-mail and webhook notifications, ``risk.api`` / ``risk.web`` serve the HMI.
"""
