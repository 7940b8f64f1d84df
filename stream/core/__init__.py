"""The pure detection core: turns and state in, new state and effects out. No I/O here.

Both drivers (the Faust worker and the embedded replay runner) call exactly this code, so what is
evaluated offline is what runs in production.
"""
