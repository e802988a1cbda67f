"""Beat for the embedded mode: `make run` serves with SQLite and runs every Celery task eagerly,
in the web process, with no broker and so no `celery beat`. Without this module nothing would
run the beat schedule there: no approval reminders or escalations, no carrier progress, no
outbox sweep. Here one daemon thread of the development server runs each entry of
CELERY_BEAT_SCHEDULE at its interval, in-process, as beat would have it run by a worker.

A thread, not a sweep run on page loads, because what the sweeps serve happens while nobody is
looking: an approver waiting to be reminded is by definition not browsing the portal, and the
simulated carrier should ship while the demo sits in a tab. A sweep inside a request would also
make whichever page load came first after a minute pay for every e-mail and carrier call due.

When it runs, and when never:
- only in the process that serves: runserver starts it once its port is bound
  (portal/management/commands/runserver.py), so not its autoreloader's parent, not tests
  (pytest-django's live server is not runserver), migrations or any other command;
- only without a broker: with REDIS_URL set, real workers and one `celery beat` do this, and
  the scheduler refuses to start even if EMBEDDED_SWEEPS says so (settings: on by default
  without REDIS_URL, off with it);
- never twice at once: one scheduler per process (started under a lock), whose rounds hold a
  lock of their own; a second development server cannot bind the same port, so it starts none.

Each task is run by name, in this thread (Task.apply), one at a time; what it queues runs
eagerly, as every task does in this mode. A task that fails is logged and retried at its next
interval (every task is idempotent); the thread never dies of it.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import close_old_connections

logger = logging.getLogger(__name__)

THREAD_NAME = "embedded-sweeps"


def enabled() -> bool:
    """Whether this process may run the beat schedule itself: EMBEDDED_SWEEPS is on and no
    broker is configured (the in-memory one of the eager mode is no broker)."""
    no_broker = settings.CELERY_BROKER_URL.startswith("memory://") and not settings.REDIS_URL
    return bool(getattr(settings, "EMBEDDED_SWEEPS", False)) and no_broker


@dataclass
class Entry:
    """One beat schedule entry: its task and its interval in seconds."""

    name: str
    task: str
    every: float
    next_run: float = 0.0  # time.monotonic(); 0: at the first round


def schedule_entries(schedule: dict | None = None) -> list[Entry]:
    """The beat schedule's entries with a fixed interval (seconds or a timedelta). An entry on
    a crontab is not run here; it is logged once, at start."""
    schedule = settings.CELERY_BEAT_SCHEDULE if schedule is None else schedule
    entries = []
    for name, spec in schedule.items():
        every = spec["schedule"]
        if isinstance(every, timedelta):
            every = every.total_seconds()
        if not isinstance(every, int | float) or every <= 0:
            logger.warning("embedded sweeps: %s has no fixed interval; not run here", name)
            continue
        entries.append(Entry(name=name, task=spec["task"], every=float(every)))
    return entries


@dataclass
class Scheduler:
    entries: list[Entry]
    clock: object = time.monotonic
    _round: threading.Lock = field(default_factory=threading.Lock)
    _stop: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None

    @property
    def tick(self) -> float:
        """How often the thread looks for due entries: the shortest interval, within 1-60 s."""
        return min([60.0, *(e.every for e in self.entries)]) if self.entries else 60.0

    def run_due(self) -> list[str]:
        """Run every entry that is due, one after the other; the names of those run. A round
        already running (in another thread) makes this one do nothing."""
        if not self._round.acquire(blocking=False):
            return []
        try:
            ran = []
            for entry in self.entries:
                now = self.clock()
                if now < entry.next_run:
                    continue
                entry.next_run = now + entry.every
                _run_task(entry)
                ran.append(entry.name)
            return ran
        finally:
            self._round.release()

    def start(self) -> None:
        self.thread = threading.Thread(target=self._loop, name=THREAD_NAME, daemon=True)
        self.thread.start()

    def stop(self, timeout: float | None = None) -> None:
        self._stop.set()
        if self.thread is not None:
            self.thread.join(timeout)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_due()
            except Exception:  # never let the thread die: the next round tries again
                logger.exception("embedded sweeps: round failed")
            finally:
                # This thread's own database connection, kept or closed as a request's is.
                close_old_connections()
            self._stop.wait(self.tick)


def _run_task(entry: Entry) -> None:
    from portal.celery import app

    task = app.tasks.get(entry.task)
    if task is None:
        logger.error("embedded sweeps: no task %s (entry %s)", entry.task, entry.name)
        return
    try:
        task.apply()
    except Exception:  # eager tasks propagate their errors; the next interval retries
        logger.exception("embedded sweeps: %s failed", entry.task)


_started: Scheduler | None = None
_starting = threading.Lock()


def start() -> Scheduler | None:
    """Start this process's scheduler thread, once; None when the embedded mode is off."""
    global _started
    if not enabled():
        return None
    with _starting:
        if _started is None:
            _started = Scheduler(entries=schedule_entries())
            _started.start()
            logger.info(
                "embedded sweeps: running %s in-process",
                ", ".join(f"{e.task} every {e.every:g} s" for e in _started.entries),
            )
        return _started


def stop() -> None:
    """Stop this process's scheduler, if it runs (tests)."""
    global _started
    with _starting:
        if _started is not None:
            _started.stop(timeout=10)
            _started = None
