"""Redis really stops, and really comes back empty: nothing a caller was told was accepted is lost.

The processes are the production ones (gunicorn, a Celery worker, beat) on a redis-server of the
test's own; the test kills that server (everything it held is gone, as it runs without
persistence) and starts it again on the same port.
"""

from __future__ import annotations

import email
import time

import pytest

from approvals.models import Decision
from orders.models import Notification, Order
from portal.models import OutboxMessage
from tests.faults.conftest import (
    RECOVERY_SECONDS,
    Api,
    all_reached,
    notifications_settled,
    one_submission_per_segment,
    sign_in,
    status_of,
    with_server_password,
)
from tests.processes import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

# The bound on answering a submit or a decision while the broker is down.
ANSWER_WITHIN_SECONDS = 2.0


def timed(call):
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


def test_with_redis_down_everything_answers_and_nothing_is_lost(stack, peter, maria):
    stack.beat()
    web = stack.web()
    worker = stack.worker()
    peter_api, maria_api = Api(web, peter), Api(web, maria)
    waiting = peter_api.submit("OUTAGE-WAITING")
    wait_until(lambda: status_of(waiting) == Order.Status.AWAITING_APPROVAL, 60, "routed")

    with_server_password(maria)

    # Given Redis is gone
    stack.redis.kill()

    # Then the API and the pages still answer: rate limits and sign-in do not need it
    status, me = peter_api.get("me")
    assert status == 200, me
    wrong = sign_in(web, "maria", "not-her-password")
    assert wrong.answer.status_code == 200 and "Please enter a correct" in wrong.answer.text
    browser = sign_in(web, "maria")
    assert browser.answer.status_code == 302, browser.answer.text
    inbox = browser.get(f"http://127.0.0.1:{web.port}/approvals/", timeout=10)
    assert inbox.status_code == 200 and f"#{waiting}" in inbox.text

    # And a submit and a decision are stored and answered at once
    submitted, submit_seconds = timed(lambda: peter_api.submit("OUTAGE-NEW"))
    outcome, decide_seconds = timed(lambda: maria_api.decide(waiting))
    assert outcome == "APPROVAL_QUEUED"
    assert submit_seconds < ANSWER_WITHIN_SECONDS, f"submit answered in {submit_seconds:.2f}s"
    assert decide_seconds < ANSWER_WITHIN_SECONDS, f"decision answered in {decide_seconds:.2f}s"
    assert status_of(submitted) == Order.Status.ORDER_SUBMITTED
    assert Decision.objects.get(step__run__order_id=waiting).applied_at is None
    assert (
        OutboxMessage.objects.filter(done_at__isnull=True, published_at__isnull=True).count() >= 2
    )

    # When Redis comes back (empty)
    stack.redis.start()
    back = time.monotonic()

    # Then the stored work is done: the decision applied, the new order routed
    wait_until(lambda: status_of(waiting) == Order.Status.COMPLETE, RECOVERY_SECONDS, "COMPLETE")
    wait_until(
        lambda: status_of(submitted) == Order.Status.AWAITING_APPROVAL, RECOVERY_SECONDS, "routed"
    )
    assert time.monotonic() - back < RECOVERY_SECONDS
    # by the same worker process, which outlived its broker
    assert worker.alive(), worker.log()
    assert "Unrecoverable error" not in worker.log()


def test_redis_restarted_empty_with_messages_in_flight(stack, peter, maria):
    beat = stack.beat()
    web = stack.web()
    worker = stack.worker()
    peter_api, maria_api = Api(web, peter), Api(web, maria)
    orders = [peter_api.submit(f"INFLIGHT-{n}") for n in range(3)]
    wait_until(lambda: all_reached(orders, Order.Status.AWAITING_APPROVAL), 60, "all routed")

    # Given decisions and a submit whose messages wait in Redis (no worker takes them)
    worker.stop()
    assert [maria_api.decide(order_id) for order_id in orders] == ["APPROVAL_QUEUED"] * 3
    late = peter_api.submit("INFLIGHT-LATE")
    wait_until(lambda: stack.redis_queue_length() >= 4, 10, "the messages are in Redis")

    # When Redis restarts empty: every one of those messages is gone (beat paused over the
    # restart, or its outbox sweep may publish one again before the loss is seen)
    beat.stop()
    stack.redis.restart()
    assert stack.redis_queue_length() == 0
    beat.start()
    back = time.monotonic()
    stack.worker(hostname="after-restart")

    # Then every decision is applied and every order gets where its decisions and vendor say
    wait_until(lambda: all_reached(orders, Order.Status.COMPLETE), RECOVERY_SECONDS, "COMPLETE")
    wait_until(lambda: status_of(late) == Order.Status.AWAITING_APPROVAL, RECOVERY_SECONDS, "late")
    assert time.monotonic() - back < RECOVERY_SECONDS
    wait_until(notifications_settled, 30, "every notification sent")

    # Each notification sent exactly once, each segment taken in once by its carrier
    recorded = Notification.objects.filter(order_id__in=[*orders, late])
    sent_ids = [email.message_from_string(mail)["Message-ID"] for mail in stack.mails()]
    assert len(sent_ids) == len(set(sent_ids)) == recorded.count()
    # approval asked (4), approved (3), shipped (3), completed (3)
    assert recorded.count() == 13
    one_submission_per_segment(orders)
    assert not OutboxMessage.objects.filter(done_at__isnull=True).exists()
