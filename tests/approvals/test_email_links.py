"""Deciding from the approval e-mail: signed Approve / Reject links, bound to one approver and one
step, that expire, and lead to a confirmation page. Opening a link never decides (mail scanners
prefetch links); the page's POST decides through the same service as the API."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from django.core import mail, signing

from approvals.models import Decision, DecisionAudit, RunStep
from orders.models import Order
from tests.approvals.conftest import status_of, step

# Approved orders stay APPROVED here: fulfilment has tests of its own.
pytestmark = pytest.mark.usefixtures("vendors_unreached")


def link(address: str, action: str, nth: int = -1) -> str:
    """The path of the Approve or Reject link in an approval e-mail to `address` (the latest)."""
    messages = [m for m in mail.outbox if m.to == [address] and "/approvals/decide/" in m.body]
    assert messages, f"no approval e-mail to {address}"
    url = re.search(rf"^{action}: +(\S+)$", messages[nth].body, re.MULTILINE).group(1)
    assert url.startswith("http://127.0.0.1:8000/")  # SITE_URL
    return urlsplit(url).path


def decisions(order: Order) -> int:
    return Decision.objects.filter(step__run__order=order).count()


def audits(order: Order) -> list[tuple[str, str, int]]:
    return list(
        DecisionAudit.objects.filter(order=order)
        .order_by("pk")
        .values_list("action", "outcome", "actor_id")
    )


@pytest.fixture
def post(client, django_capture_on_commit_callbacks):
    """post(path, **form): submit the confirmation page; the queued decision is applied at once."""

    def submit(path: str, **form):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(path, form)

    return submit


def test_opening_the_approve_link_shows_a_confirmation_and_decides_nothing(
    client, submitted_order, maria
):
    # Given maria's approval e-mail
    order = submitted_order()
    approve = link(maria.email, "Approve")

    # When the link is opened, by her or by a mail scanner, even twice
    first, second = client.get(approve), client.get(approve)

    # Then the page asks her to confirm, showing the order, and nothing is decided
    for response in (first, second):
        assert response.status_code == 200
        assert "problem" not in response.context
        assert response.context["order"] == order
        assert response.context["approver"] == maria
        assert not response.context["is_reject"]
        assert b'<form method="post"' in response.content
        assert f"#{order.pk}".encode() in response.content
    assert decisions(order) == 0
    assert audits(order) == []
    assert status_of(order) == Order.Status.AWAITING_APPROVAL


def test_confirming_the_approve_link_decides_through_the_service(
    client, post, submitted_order, maria, ian
):
    order = submitted_order()

    response = post(link(maria.email, "Approve"), reason="Fine by me")

    assert response.status_code == 200
    assert response.context["outcome"] == "APPROVAL_QUEUED"
    decision = Decision.objects.get(step__run__order=order)
    assert (decision.action, decision.reason, decision.client_id) == (
        "APPROVE",
        "Fine by me",
        "email-link",
    )
    assert decision.decided_for == maria and decision.decided_by == maria
    assert audits(order) == [("APPROVE", "APPROVAL_QUEUED", maria.pk)]
    # Applied like any other decision: step 2 (IT) now waits, and ian got his own e-mail
    assert decision.applied_at is not None
    assert step(order, 1).state == RunStep.State.APPROVED
    assert step(order, 2).state == RunStep.State.ACTIVE
    assert link(ian.email, "Approve") != link(maria.email, "Approve")


def test_reject_link_without_a_required_reason_shows_the_error(
    client, post, submitted_order, maria, peter
):
    # Given a workflow that requires a reason to reject
    order = submitted_order()
    reject = link(maria.email, "Reject")
    page = client.get(reject)
    assert page.context["is_reject"] and page.context["reason_required"]

    # When maria confirms without a reason
    response = post(reject, reason="  ")

    # Then the page shows why, and nothing is decided
    assert response.status_code == 400
    assert response.context["errors"] == ["A reason is required to reject this order."]
    assert b"A reason is required to reject this order." in response.content
    assert decisions(order) == 0
    assert audits(order) == [("REJECT", "REFUSED", maria.pk)]

    # When she gives one
    response = post(reject, reason="Not in the budget")

    # Then the order is rejected and peter told why
    assert response.context["outcome"] == "REJECTION_QUEUED"
    assert status_of(order) == Order.Status.REJECTED
    (told,) = [m for m in mail.outbox if m.to == [peter.email]]
    assert "Not in the budget" in told.body


def test_link_of_an_already_decided_step_says_so_and_decides_nothing(
    client, post, submitted_order, api_for, decide, maria
):
    # Given maria's e-mail, and her step decided meanwhile (here through the API)
    order = submitted_order()
    reject = link(maria.email, "Reject")
    decide(api_for(maria), order, "APPROVE")
    before = (decisions(order), audits(order))

    # When she opens the e-mail's Reject link and confirms
    shown = client.get(reject)
    confirmed = post(reject, reason="Changed my mind")

    # Then both pages say the step is decided, and nothing changed
    for response in (shown, confirmed):
        assert response.status_code == 200
        assert response.context["problem"] == "decided"
        assert b"already been decided" in response.content
        assert b'<form method="post"' not in response.content
    assert (decisions(order), audits(order)) == before
    assert Decision.objects.get(step__run__order=order).action == "APPROVE"


def test_link_of_an_order_changed_since_the_mail_says_so_and_decides_nothing(
    client, post, submitted_order, maria
):
    # Given maria's e-mail, and the order changed after it was sent
    order = submitted_order()
    approve = link(maria.email, "Approve")
    Order.objects.filter(pk=order.pk).update(updated_at=order.updated_at + timedelta(seconds=1))

    # When she opens the link and confirms
    shown, confirmed = client.get(approve), post(approve)

    # Then the page says the order changed, and nothing is decided
    for response in (shown, confirmed):
        assert response.status_code == 200
        assert response.context["problem"] == "changed"
        assert b"changed since" in response.content
    assert decisions(order) == 0
    assert audits(order) == []


def test_tampered_link_is_not_found(client, post, submitted_order, maria):
    order = submitted_order()
    approve = link(maria.email, "Approve")
    token = approve.rstrip("/").rsplit("/", 1)[1]
    # Another step, approver or action would need a new signature: any change breaks it
    forged = approve.replace(token, token[:-1] + ("A" if token[-1] != "A" else "B"))

    shown, confirmed = client.get(forged), post(forged)

    for response in (shown, confirmed):
        assert response.status_code == 404
        assert response.context["problem"] == "invalid"
        assert b"not valid" in response.content
    assert decisions(order) == 0


def test_expired_link_is_gone(client, post, settings, monkeypatch, submitted_order, maria):
    # Given links valid for an hour, and maria's e-mail
    settings.APPROVAL_LINK_MAX_AGE = 3600
    order = submitted_order()
    approve = link(maria.email, "Approve")

    # When she opens it (and confirms) an hour and a minute later
    later = time.time() + 3600 + 60
    monkeypatch.setattr(signing, "time", SimpleNamespace(time=lambda: later))
    shown, confirmed = client.get(approve), post(approve)

    # Then the link has expired and nothing is decided
    for response in (shown, confirmed):
        assert response.status_code == 410
        assert response.context["problem"] == "expired"
        assert b"expired" in response.content
    assert decisions(order) == 0
    # While within the hour it still works
    monkeypatch.setattr(signing, "time", SimpleNamespace(time=lambda: later - 120))
    assert client.get(approve).status_code == 200


def test_link_is_bound_to_its_approver(
    client, post, submitted_order, api_for, decide, maria, ian, ada
):
    # Given step 2, which ian and ada (IT) may both decide, each e-mailed their own links
    order = submitted_order()
    decide(api_for(maria), order, "APPROVE")
    ians, adas = link(ian.email, "Approve"), link(ada.email, "Approve")
    assert ians != adas
    assert client.get(ians).context["approver"] == ian

    # When ada's link is confirmed (whoever holds it)
    response = post(adas)

    # Then the decision is ada's, not ian's
    assert response.context["outcome"] == "APPROVAL_QUEUED"
    decision = Decision.objects.get(step=step(order, 2))
    assert decision.decided_for == ada and decision.decided_by == ada
    assert audits(order)[-1] == ("APPROVE", "APPROVAL_QUEUED", ada.pk)
    assert status_of(order) == Order.Status.APPROVED
    # And ian's link now only says the step is decided
    assert client.get(ians).context["problem"] == "decided"


def test_link_of_the_first_step_cannot_decide_the_second(
    client, post, submitted_order, api_for, decide, maria, ian
):
    # Given maria's step-1 link, after step 1 was decided and step 2 started
    order = submitted_order()
    approve = link(maria.email, "Approve")
    decide(api_for(maria), order, "APPROVE")

    response = post(approve)

    assert response.context["problem"] == "decided"
    assert step(order, 2).state == RunStep.State.ACTIVE
    assert not Decision.objects.filter(step=step(order, 2)).exists()
