"""Plant simulator: the demo plant's points served by real Modbus TCP and OPC UA servers on loopback.

``signals`` computes plausible values and injected faults; ``modbus_server`` and ``opcua_server``
serve them over the real protocols; ``plant`` runs them all for a ``Plant``; ``control`` lets the
command line inject faults into a running simulator.
"""
