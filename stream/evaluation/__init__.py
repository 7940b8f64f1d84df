"""Evaluation of a change before it ships: privacy holds for replay, shadow configurations and their diff,
the join of replayed cases with reviewer decisions (or simulation truth), metrics, threshold
recalibration and a self-contained HTML report. Pure functions over records; the CLIs do the I/O.
"""
