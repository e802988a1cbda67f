"""The soak in its 1-minute form (the suite's time: `bench/soak.py --minutes 10` is the long one):
bench/soak.py runs the production processes on a database and a redis-server of its own under
mixed load from 8 clients, SIGKILLs the worker once a minute and restarts Redis empty once,
then checks its invariants (order history, decisions applied, notifications and mails one to
one, one carrier submission per segment, no 5xx). RSS growth is judged only on processes that ran
past their warm-up, which a minute's run is too short for: the 10-minute form judges it.

It runs as a subprocess with this process's environment, touching none of the test database's
rows (the django_db mark is the fault tests' rule, see conftest.fault_rules). Its report is
printed as it comes, also when the test passes.
"""

from __future__ import annotations

import os
import subprocess
import threading

import pytest

from tests.processes import BIN, ROOT

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

# A minute of load, set-up (migrate, demo, collectstatic), the wait until quiet (at most 5 min)
# and the checks.
TIMEOUT_SECONDS = 15 * 60


def test_a_minute_of_mixed_load_with_a_worker_kill_and_a_redis_restart(capsys):
    command = [str(BIN / "python"), "bench/soak.py", "--minutes", "1"]
    lines = []
    with subprocess.Popen(
        command, cwd=ROOT, env=dict(os.environ), text=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    ) as soak:  # fmt: skip
        # SIGTERM makes the soak stop its processes and drop its database before it exits.
        watchdog = threading.Timer(TIMEOUT_SECONDS, soak.terminate)
        watchdog.start()
        try:
            with capsys.disabled():
                print()
                for line in soak.stdout:
                    print(line, end="", flush=True)
                    lines.append(line)
            soak.wait(timeout=120)
        finally:
            watchdog.cancel()
            if soak.poll() is None:  # interrupted (Ctrl-C): the soak still cleans up after itself
                soak.terminate()
                soak.wait(timeout=120)
    assert soak.returncode == 0, "".join(lines[-60:])
