"""The built-in screens; each module's ``register(hmi)`` adds its page, live payload and callbacks."""
