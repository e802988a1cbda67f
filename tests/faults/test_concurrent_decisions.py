"""Many managers deciding at once, on PostgreSQL, through gunicorn, with a real worker applying
their decisions meanwhile: no deadlock, no 5xx, every order decided once.

Decisions and their application lock the order row alone (`select_for_update(of=("self",))`),
always first: a lock on the tenant row joined to it used to make them deadlock.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

import pytest

from approvals.models import Decision
from orders.models import Order
from tests.demo_data import api_id, galaxy_rugged_case, line_of
from tests.faults.conftest import Api, all_reached, sign_in, with_server_password
from tests.processes import csrf_token, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

CLIENTS = 16
UNDECIDED = [Order.Status.ORDER_SUBMITTED, Order.Status.AWAITING_APPROVAL, Order.Status.REJECTED]


def all_applied(order_ids: list[int]) -> bool:
    """Every order has a decision, and every decision has been applied."""
    decisions = Decision.objects.filter(step__run__order_id__in=order_ids)
    return decisions.count() == len(order_ids) and not decisions.filter(applied_at=None).exists()


def submit_many(api: Api, prefix: str, count: int) -> list[int]:
    with ThreadPoolExecutor(max_workers=8) as pool:
        return list(pool.map(lambda n: api.submit(f"{prefix}-{n}"), range(count)))


def server_errors(web) -> list[str]:
    """5xx answers in gunicorn's access log, and deadlocks in its error log."""
    log = web.log()
    return re.findall(r'" 5\d\d ', log) + re.findall(r"deadlock detected", log)


def test_sixteen_clients_deciding_different_orders_at_once(stack, peter, maria):
    stack.beat()
    web = stack.web()
    stack.worker(concurrency=2)
    orders = submit_many(Api(web, peter), "RACE", 2 * CLIENTS)
    wait_until(lambda: all_reached(orders, Order.Status.AWAITING_APPROVAL), 90, "all routed")

    # When 16 clients (each with a token of its own) decide 2 orders each, all at once
    def decide(chunk: list[int]) -> list[tuple[int, str]]:
        api = Api(web, maria)
        answers = []
        for order_id in chunk:
            action = "APPROVE" if order_id % 2 else "REJECT"
            body = {"action": action, "reason": "Decided under load"}
            answers.append(api.post(f"orders/{order_id}/approval", body))
        return answers

    chunks = [orders[i::CLIENTS] for i in range(CLIENTS)]
    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        answers = [answer for chunk in pool.map(decide, chunks) for answer in chunk]

    # Then every one is answered and stored, and applied
    assert sorted(status for status, _ in answers) == [200] * len(orders), answers
    approved = [o for o in orders if o % 2]
    rejected = [o for o in orders if not o % 2]
    assert Decision.objects.filter(step__run__order_id__in=orders).count() == len(orders)
    wait_until(lambda: all_applied(orders), 60, "every decision applied")
    assert all_reached(rejected, Order.Status.REJECTED)
    assert not Order.objects.filter(pk__in=approved, status__in=UNDECIDED).exists()
    assert server_errors(web) == []


def bulk(session, web, action: str, order_ids: list[int], reason: str = ""):
    base = f"http://127.0.0.1:{web.port}"
    inbox = session.get(f"{base}/approvals/", timeout=30)
    token = csrf_token(inbox.text)
    return session.post(
        f"{base}/approvals/bulk/",
        {"action": action, "reason": reason, "order": order_ids, "csrfmiddlewaretoken": token},
        headers={"Referer": f"{base}/approvals/"},
        timeout=60,
    )


def results(page: str) -> dict[int, str]:
    """Each order's result on the bulk result page: its kind (ok, info, bad) and label."""
    rows = re.findall(
        r'data-order="(\d+)" data-kind="(\w+)">.*?class="result result-\w+">([^<]+)<', page, re.S
    )
    return {int(order): f"{kind}: {label}" for order, kind, label in rows}


def test_bulk_approve_and_bulk_reject_of_fifty_orders_at_once(stack, peter, maria, gina):
    stack.beat()
    web = stack.web()
    stack.worker(concurrency=2)
    orders = submit_many(Api(web, peter), "BULK", 100)
    elsewhere = Api(web, gina).submit(
        "BULK-GLOBEX",
        serviceId=api_id(line_of(gina)),
        shoppingCart={"accessoryIds": [api_id(galaxy_rugged_case())]},
        properties=[{"groupId": "MISCELLANEOUS", "fields": [
            {"id": "CONTACT_NUMBER", "type": "TEXT", "text": "3125550100"}]}],
    )  # fmt: skip
    wait_until(lambda: all_reached(orders, Order.Status.AWAITING_APPROVAL), 90, "all routed")
    to_approve, to_reject = orders[:50], orders[50:]
    already = to_reject[0]
    assert Api(web, maria).decide(already) == "APPROVAL_QUEUED"
    with_server_password(maria)
    approving, rejecting = sign_in(web, "maria"), sign_in(web, "maria")

    # When maria approves 50 orders in one tab and rejects 50 in another, at the same moment,
    # one of them already decided and one of another company
    with ThreadPoolExecutor(max_workers=2) as pool:
        approval = pool.submit(bulk, approving, web, "APPROVE", to_approve)
        rejection = pool.submit(bulk, rejecting, web, "REJECT", [*to_reject, elsewhere], "No")
        approved_page, rejected_page = approval.result(), rejection.result()

    # Then both answer with a result for every order, each with its own outcome
    assert approved_page.status_code == 200, approved_page.text
    assert rejected_page.status_code == 200, rejected_page.text
    assert results(approved_page.text) == {o: "ok: Approval recorded" for o in to_approve}
    assert results(rejected_page.text) == {
        **{o: "ok: Rejection recorded" for o in to_reject[1:]},
        already: "info: No longer needs your decision",
        elsewhere: "bad: Not found",
    }
    wait_until(lambda: all_applied(orders), 60, "every decision applied")
    assert all_reached(to_reject[1:], Order.Status.REJECTED)
    assert not Order.objects.filter(pk__in=to_approve, status__in=UNDECIDED).exists()
    assert Order.objects.get(pk=elsewhere).status == Order.Status.AWAITING_APPROVAL
    assert server_errors(web) == []
