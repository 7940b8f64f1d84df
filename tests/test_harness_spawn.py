"""A test run killed mid-way leaves no worker behind (dev/harness.py `spawn`): its children get
SIGKILL when the process that started them dies, however it dies."""

import os
import signal
import subprocess
import sys
import time

from dev.harness import REPO

PARENT = """
import sys, time
from dev.harness import spawn
child = spawn([sys.executable, "-c", "import time; time.sleep(120)"])
print(child.pid, flush=True)
time.sleep(120)
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as f:  # a zombie (reaped by init later) is not running
        return f.read().split(") ")[1].split()[0] != "Z"


def test_a_spawned_child_dies_with_a_parent_killed_by_a_signal():
    parent = subprocess.Popen([sys.executable, "-c", PARENT], cwd=REPO, stdout=subprocess.PIPE,
                              env={**os.environ, "PYTHONPATH": str(REPO)})
    child = int(parent.stdout.readline())
    assert _alive(child)
    parent.send_signal(signal.SIGKILL)  # no atexit, no finally: what a CI timeout does
    parent.wait()
    deadline = time.monotonic() + 10
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(child), "the child outlived the process that started it"
