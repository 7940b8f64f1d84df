"""The detection core's CPU counter (riskstream_core_cpu_seconds): what it counts and what it leaves out."""

from __future__ import annotations

import time

from stream.ops.metrics import REGISTRY, core_timed


def _burn(seconds: float) -> None:
    end = time.thread_time() + seconds
    while time.thread_time() < end:
        pass


def _core_cpu() -> float:
    return REGISTRY.get_sample_value("riskstream_core_cpu_seconds_total")


def test_counts_the_cpu_inside_the_steps_and_not_the_callers_between_them():
    def steps():
        for i in range(3):
            _burn(0.03)  # the core's work for one turn
            yield i
        _burn(0.03)  # after the last turn, before the generator ends (windows written)

    before = _core_cpu()
    seen = []
    for item in core_timed(steps()):
        seen.append(item)
        _burn(0.05)  # the driver's work between steps (sending effects): not the core's
    counted = _core_cpu() - before
    assert seen == [0, 1, 2]
    assert 0.12 <= counted < 0.12 + 0.05  # the four bursts inside; none of the three outside


def test_a_step_that_raises_is_counted_and_the_error_goes_on():
    def steps():
        _burn(0.02)
        raise ValueError("bad turn")
        yield  # pragma: no cover

    before = _core_cpu()
    try:
        list(core_timed(steps()))
    except ValueError:
        pass
    else:
        raise AssertionError("the step's error must reach the caller")
    assert _core_cpu() - before >= 0.02
