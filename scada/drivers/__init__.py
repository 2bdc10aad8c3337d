"""Field drivers (acquisition issue): connection + codec + tag binding per protocol.

Drivers produce ``TagUpdate`` batches for the tag store; they never read the bus.
So far: the Modbus register codec and block planner (pure, protocol-library-free).
"""
