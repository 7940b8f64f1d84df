"""Operations: Prometheus metrics, the health / readiness / metrics HTTP endpoint, structured logs.

Driver-side only (the detection core stays free of I/O): drivers and commands call these.
"""
