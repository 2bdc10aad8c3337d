"""Edge gateways and the central side of their uplink.

``scada edge`` runs at one enterprise: it polls that enterprise's devices, evaluates its own
alarm thresholds and sends values, device health and alarm states upstream over MQTT (or HTTP
push), keeping every batch on disk until the central acknowledges it end to end. ``scada run``
with ``source = mqtt`` consumes those streams instead of polling, several workers splitting the
enterprises between them. Must not publish values except through ``TagStore.update``.
"""
