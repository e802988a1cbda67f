"""Notifications per second drained from Redis by ONE Celery worker, beside a bare Celery no-op
drained by the same worker in the same run (so the figure reads as a ratio).

    .venv/bin/python bench/notifications.py [--count 2000] [--rounds 3] [--concurrency 2]

Needs PostgreSQL and Redis. Uses DATABASE_URL (default: a throwaway database procure_bench,
created if missing, migrated, demo loaded) and REDIS_URL (default: Redis database 5), on queues of
its own (bench.*), and removes every row and message it made. See bench/README.md.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import secrets
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "notifications.json"
GOAL = 0.5  # of the bare drain rate (the goal)
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/procure_bench")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/5")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")
# The worker refuses the public development key (portal.checks): a throwaway one per run.
os.environ.setdefault("SECRET_KEY", secrets.token_hex(32))
sys.path.insert(0, str(ROOT))

import redis  # noqa: E402

from portal.celery import app  # noqa: E402

QUEUE, IDLE = "bench.notifications", "bench.idle"
DEADLINE_SECONDS = 600
POLL_SECONDS = 0.01


@app.task(name="bench.noop", ignore_result=True)
def noop(number: int) -> None:
    """The bare Celery baseline: a task that does nothing (the worker imports this module)."""


def ensure_database(url: str) -> None:
    """Create the database if missing (the throwaway bench database, typically)."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    maintenance = parts._replace(scheme="postgresql", path="/postgres").geturl()
    with psycopg.connect(maintenance, autocommit=True) as db:
        exists = db.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            db.execute(f'CREATE DATABASE "{name}"')


def wait_for(predicate: Callable[[], bool], what: str, worker: subprocess.Popen) -> None:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while not predicate():
        if worker.poll() is not None:
            raise SystemExit(f"the worker exited ({worker.returncode}) while waiting: {what}")
        if time.monotonic() > deadline:
            raise SystemExit(f"gave up after {DEADLINE_SECONDS}s waiting: {what}")
        time.sleep(POLL_SECONDS)


def start_worker(node: str, concurrency: int, log) -> subprocess.Popen:
    """One worker (prefork) consuming only an idle queue until a round adds the bench queue."""
    env = {
        **os.environ,
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "PYTHONPATH": str(ROOT),
    }
    command = [
        str(Path(sys.executable).parent / "celery"), "-A", "portal", "worker",
        "--concurrency", str(concurrency), "-Q", IDLE, "-n", node, "--loglevel", "WARNING",
        "--include", "bench.notifications",
        "--without-heartbeat", "--without-mingle", "--without-gossip",
    ]  # fmt: skip
    worker = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    wait_for(
        lambda: bool(app.control.ping(destination=[node], timeout=0.5)), "worker ready", worker
    )
    return worker


def drain(node: str, worker: subprocess.Popen, publish: Callable[[], int], done) -> float:
    """Publish a round's messages while the worker is not consuming them, let it consume them,
    and time it from its first message taken until `done()`. Returns seconds.

    The clock starts when the queue first shrinks, not when the worker is told to consume: a
    worker blocked on its other queue only notices the new one at the end of its current poll
    (up to a second), and that wait is not the drain rate."""
    broker = redis.Redis.from_url(os.environ["REDIS_URL"])
    published = publish()
    app.control.add_consumer(QUEUE, destination=[node], reply=True, timeout=5)
    deadline = time.monotonic() + 30
    while broker.llen(QUEUE) >= published:
        if time.monotonic() > deadline:
            raise SystemExit("the worker did not start consuming the bench queue")
    started = time.perf_counter()
    wait_for(done, "the round drained", worker)
    elapsed = time.perf_counter() - started
    app.control.cancel_consumer(QUEUE, destination=[node], reply=True, timeout=5)
    return elapsed


def tasks_run(node: str, name: str) -> int:
    stats = app.control.inspect(destination=[node], timeout=1).stats() or {}
    return stats.get(node, {}).get("total", {}).get(name, 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=2000, help="messages per round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of each (median shown)")
    parser.add_argument("--concurrency", type=int, default=2, help="the worker's processes")
    parser.add_argument("--json", type=Path, default=RESULTS, help="where to write the figures")
    options = parser.parse_args()

    ensure_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from orders.models import Notification, Order
    from orders.notifications import SEND_TASK
    from orders.tasks import send_notification
    from portal import outbox
    from portal.models import Employee, OutboxMessage

    app.conf.task_always_eager = False
    call_command("migrate", verbosity=0)
    call_command("load_demo", stdout=io.StringIO())
    peter = Employee.objects.get(user__username="peter")
    run_id = secrets.token_hex(4)
    # One order (never routed: nothing else of the app's is queued), N notifications per round.
    order = Order.objects.create(
        tenant=peter.tenant,
        external_order_number=f"BENCH-NOTIFY-{run_id}",
        transaction_type="ORDER_ACCESSORIES",
        requested_by=peter,
        account_holder=peter,
    )
    node = f"bench-notifications-{run_id}@localhost"
    log_path = Path(f"/tmp/bench-notifications-{run_id}.log")
    Event = Notification.Event

    outbox_ids: list[int] = []

    def make_notifications(round_name: str, count: int) -> list[OutboxMessage]:
        """The rows notify() stores: each notification with its pending-work row (portal.outbox),
        which the worker checks before the task and marks done after it, as in production."""
        rows = Notification.objects.bulk_create(
            Notification(
                tenant=peter.tenant, order=order, event=Event.ORDER_APPROVED, recipient=peter,
                email=peter.email, key=f"bench:{run_id}:{round_name}:{number}",
                context={"reason": "Benchmark"},
            )
            for number in range(count)
        )  # fmt: skip
        due_at = timezone.now() + outbox.redrive_after()
        messages = OutboxMessage.objects.bulk_create(
            OutboxMessage(task_name=SEND_TASK, args=[row.pk], due_at=due_at) for row in rows
        )
        outbox_ids.extend(message.pk for message in messages)
        return messages

    def publish(task, args_list: list[list], task_ids: list[str | None]) -> Callable[[], int]:
        def send() -> int:
            with app.producer_or_acquire() as producer:
                for args, task_id in zip(args_list, task_ids, strict=True):
                    task.apply_async(args=args, task_id=task_id, queue=QUEUE, producer=producer)
            return len(args_list)

        return send

    count = options.count
    results: dict[str, list[float]] = {"notifications": [], "noop": []}
    with log_path.open("wb") as log:
        worker = start_worker(node, options.concurrency, log)
        try:
            for queue in (QUEUE, IDLE):  # ours only: others may share this Redis database
                with app.connection_for_write() as conn:
                    conn.default_channel.queue_purge(queue)

            def all_done(messages: list[OutboxMessage]) -> Callable[[], bool]:
                ids = [message.pk for message in messages]
                pending = OutboxMessage.objects.filter(
                    pk__range=(min(ids), max(ids)), done_at__isnull=True
                )
                return lambda: not pending.exists()

            def notifications_round(name: str, count: int) -> float:
                messages = make_notifications(name, count)
                job = publish(
                    send_notification,
                    [message.args for message in messages],
                    [f"{outbox.TASK_ID_PREFIX}{message.pk}" for message in messages],
                )
                return drain(node, worker, job, all_done(messages))

            def noop_round(count: int) -> float:
                target = tasks_run(node, "bench.noop") + count
                job = publish(noop, [[number] for number in range(count)], [None] * count)
                return drain(node, worker, job, lambda: tasks_run(node, "bench.noop") >= target)

            # Warm-up: the children connect to the database and load the templates.
            notifications_round("warmup", 50)
            noop_round(50)
            for round_number in range(options.rounds):
                results["notifications"].append(notifications_round(f"r{round_number}", count))
                results["noop"].append(noop_round(count))
            failed = Notification.objects.filter(order=order).exclude(status="SENT").count()
        finally:
            worker.terminate()
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
            with app.connection_for_write() as conn:
                for queue in (QUEUE, IDLE):
                    conn.default_channel.queue_delete(queue)
                client = conn.default_channel.client  # and kombu's routing keys of our queues
                for key in client.scan_iter("_kombu.binding*.bench.*"):
                    client.delete(key)
            order.delete()  # and its notifications
            OutboxMessage.objects.filter(pk__in=outbox_ids).delete()
    log_path.unlink(missing_ok=True)

    notify_s = statistics.median(results["notifications"])
    noop_s = statistics.median(results["noop"])
    print(
        f"One Celery worker (prefork, concurrency {options.concurrency}), broker "
        f"{os.environ['REDIS_URL']}, database {urlsplit(os.environ['DATABASE_URL']).path[1:]}; "
        f"{count} messages per round, median of {options.rounds} rounds"
    )
    print(
        f"  notifications (check pending work, lock row, render subject+text+HTML, send via "
        f"dummy backend, mark SENT, mark work done):"
        f" {count} in {notify_s:.2f} s -> {count / notify_s:,.0f} notifications/s"
        f"  [rounds: {', '.join(f'{s:.2f}' for s in results['notifications'])} s]"
    )
    print(
        f"  bare Celery no-op task, same worker:"
        f" {count} in {noop_s:.2f} s -> {count / noop_s:,.0f} tasks/s"
        f"  [rounds: {', '.join(f'{s:.2f}' for s in results['noop'])} s]"
    )
    print(f"  ratio: {noop_s / notify_s:.2f} of the bare Celery drain rate")
    options.json.parent.mkdir(parents=True, exist_ok=True)
    options.json.write_text(
        json.dumps(
            {
                "count": count,
                "rounds": options.rounds,
                "concurrency": options.concurrency,
                "notifications_per_s": count / notify_s,
                "noop_per_s": count / noop_s,
                "ratio": noop_s / notify_s,
                "goal": GOAL,
                "load_average": os.getloadavg(),
            },
            indent=2,
        )
    )
    print(f"figures written to {options.json}")
    if failed:
        raise SystemExit(f"{failed} notifications were not sent")


if __name__ == "__main__":
    main()
