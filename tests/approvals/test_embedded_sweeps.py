"""The embedded mode (`make run`: SQLite, eager tasks, no broker, no beat) runs the beat
schedule's sweeps in a thread of the development server (portal.embedded): due reminders and
escalations are sent there too. Off under the test settings and with a real broker."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.core import mail

from approvals.models import RunStep
from portal import embedded
from portal.management.commands.runserver import Command as Runserver
from tests.approvals.conftest import ESCALATE_AFTER, REMIND_AFTER, approver_names, step

pytestmark = pytest.mark.usefixtures("vendors_unreached")


@pytest.fixture
def embedded_mode(settings):
    """The settings of `make run`: no REDIS_URL, the in-memory broker, EMBEDDED_SWEEPS on."""
    settings.REDIS_URL = ""
    settings.CELERY_BROKER_URL = "memory://"
    settings.EMBEDDED_SWEEPS = True
    yield settings
    embedded.stop()


class Ticks:
    """time.monotonic() for a scheduler, moved by the test."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def reminders_to(address: str) -> list:
    return [m for m in mail.outbox if m.to == [address] and m.subject.startswith("Reminder:")]


def test_off_under_the_test_settings():
    # The tests run with REDIS_URL (Makefile, CI): a broker, so beat's business
    assert not embedded.enabled()
    assert embedded.start() is None
    assert THREAD not in running_threads()


def test_off_with_a_broker_even_when_asked(embedded_mode):
    embedded_mode.REDIS_URL = "redis://127.0.0.1:6379/0"
    embedded_mode.CELERY_BROKER_URL = "redis://127.0.0.1:6379/0"

    assert not embedded.enabled()
    assert embedded.start() is None


def test_off_when_switched_off(embedded_mode):
    embedded_mode.EMBEDDED_SWEEPS = False

    assert embedded.start() is None


def test_it_runs_the_whole_beat_schedule(embedded_mode):
    entries = {e.task: e.every for e in embedded.schedule_entries()}

    assert entries == {
        spec["task"]: float(spec["schedule"])
        for spec in embedded_mode.CELERY_BEAT_SCHEDULE.values()
    }
    assert entries["approvals.sweep_due_steps"] == 60.0
    assert entries["orders.collect_due_progress"] == 10.0


def test_a_due_step_gets_its_reminder_and_then_its_escalation(
    embedded_mode, clock, submitted_order, maria, victor, django_capture_on_commit_callbacks
):
    # Given peter's order waiting for maria, and the embedded scheduler of `make run`
    order = submitted_order()
    ticks = Ticks()
    scheduler = embedded.Scheduler(entries=embedded.schedule_entries(), clock=ticks)

    def round_() -> list[str]:
        with django_capture_on_commit_callbacks(execute=True):
            return scheduler.run_due()

    # When its first round runs before anything is due: every sweep runs, nobody is written to
    assert "sweep-due-approval-steps" in round_()
    assert reminders_to(maria.email) == []

    # When the reminder delay has passed, but the sweep's minute has not
    clock.advance(REMIND_AFTER + timedelta(minutes=1))
    ticks.now += 30
    assert "sweep-due-approval-steps" not in round_()
    assert reminders_to(maria.email) == []

    # Then at the next minute maria is reminded, once
    ticks.now += 30
    assert "sweep-due-approval-steps" in round_()
    (reminder,) = reminders_to(maria.email)
    assert reminder.subject == f"Reminder: order #{order.pk} still waits for your approval"
    assert step(order, 1).reminders_sent == 1
    ticks.now += 60
    round_()
    assert len(reminders_to(maria.email)) == 1

    # And once the escalation delay has passed, victor (maria's manager) may decide it too
    clock.advance(ESCALATE_AFTER - REMIND_AFTER)
    ticks.now += 60
    round_()
    assert approver_names(order, 1) == ["Maria Lopez", "Victor Hughes"]
    assert step(order, 1).state == RunStep.State.ACTIVE
    assert [m for m in mail.outbox if m.to == [victor.email]]


def test_a_failing_sweep_does_not_stop_the_others(embedded_mode, monkeypatch):
    ran = []

    def fake_task(name, fails=False):
        def apply():
            ran.append(name)
            if fails:
                raise RuntimeError("carrier unreachable")

        return type("T", (), {"apply": staticmethod(apply)})()

    from portal.celery import app

    monkeypatch.setitem(app.tasks, "test.fails", fake_task("test.fails", fails=True))
    monkeypatch.setitem(app.tasks, "test.works", fake_task("test.works"))
    scheduler = embedded.Scheduler(
        entries=embedded.schedule_entries(
            {
                "a": {"task": "test.fails", "schedule": 5.0},
                "b": {"task": "test.works", "schedule": 5.0},
            }
        ),
        clock=Ticks(),
    )

    assert scheduler.run_due() == ["a", "b"]
    assert ran == ["test.fails", "test.works"]


def test_never_two_rounds_at_once(embedded_mode, monkeypatch):
    # Given a round in progress (its task waits until the test lets it finish)
    inside, finish = threading.Event(), threading.Event()
    ran = []

    def slow_apply():
        ran.append("slow")
        inside.set()
        finish.wait(10)

    from portal.celery import app

    task = type("T", (), {"apply": staticmethod(slow_apply)})()
    monkeypatch.setitem(app.tasks, "test.slow", task)
    scheduler = embedded.Scheduler(
        entries=embedded.schedule_entries({"slow": {"task": "test.slow", "schedule": 1.0}}),
        clock=Ticks(),
    )
    first = threading.Thread(target=scheduler.run_due)
    first.start()
    assert inside.wait(10)

    # When another round starts meanwhile, it does nothing
    assert scheduler.run_due() == []

    finish.set()
    first.join(10)
    assert ran == ["slow"]


def test_the_thread_is_started_once_per_process(embedded_mode, monkeypatch):
    rounds = threading.Event()
    monkeypatch.setattr(embedded.Scheduler, "run_due", lambda self: rounds.set() or [])
    monkeypatch.setattr(embedded, "close_old_connections", lambda: None)

    first = embedded.start()
    second = embedded.start()

    assert first is second
    assert rounds.wait(10), "the scheduler thread ran no round"
    assert running_threads().count(THREAD) == 1
    embedded.stop()
    assert THREAD not in running_threads()


def test_the_development_server_starts_it_once_bound(embedded_mode, monkeypatch):
    started = []
    monkeypatch.setattr(embedded, "start", lambda: started.append(True))
    command = Runserver()
    command.addr, command.port, command._raw_ipv6, command.use_ipv6 = (
        "127.0.0.1",
        "8000",
        False,
        False,
    )

    command.on_bind(8000)

    assert started == [True]


THREAD = embedded.THREAD_NAME


def running_threads() -> list[str]:
    return [t.name for t in threading.enumerate()]
