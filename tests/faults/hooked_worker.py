"""`python -m tests.faults.hooked_worker <celery worker arguments>`: a real Celery worker that
stops dead at one chosen point of the code, so that a test can SIGKILL it exactly there.

FAULT_HOOK=<module>:<attribute path>, e.g. `orders.services:close_approvers` or
`orders.fulfilment:SimulatedCarrier._receive`; FAULT_HOOK_WHEN=before (default) or after the
original runs; FAULT_DIR=<folder>. The first call that reaches the point creates
FAULT_DIR/reached and is held there (a minute at most); later calls pass through. The hook is
installed in the worker's main process before its pool forks, so every pool process has it.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import os
import sys
import threading
from pathlib import Path

HOLD_SECONDS = 60


def install() -> None:
    import django

    django.setup()
    module_name, _, path = os.environ["FAULT_HOOK"].partition(":")
    when = os.environ.get("FAULT_HOOK_WHEN", "before")
    reached = Path(os.environ["FAULT_DIR"]) / "reached"
    owner = importlib.import_module(module_name)
    *parents, name = path.split(".")
    for parent in parents:
        owner = getattr(owner, parent)
    static = isinstance(inspect.getattr_static(owner, name), staticmethod)
    original = getattr(owner, name)

    @functools.wraps(original)
    def hooked(*args, **kwargs):
        result = original(*args, **kwargs) if when == "after" else None
        if not reached.exists():
            reached.touch()
            threading.Event().wait(HOLD_SECONDS)  # held here until the test kills the worker
        return result if when == "after" else original(*args, **kwargs)

    setattr(owner, name, staticmethod(hooked) if static else hooked)


if __name__ == "__main__":
    install()
    from celery.__main__ import main

    sys.argv = ["celery", *sys.argv[1:]]
    main()
