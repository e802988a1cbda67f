"""Deciding from the approval e-mail: signed Approve / Reject links, bound to one approver and one
step, that expire, work once, and lead to a confirmation page. Opening a link never decides (mail
scanners prefetch links); the page's POST decides through the same service as the API.

By default the page is the approver's alone: an anonymous visitor is sent through the sign-in
page and back, anyone else signed in (a delegate included) gets a 403. A tenant admin may allow
decisions without signing in; either way the decision is recorded as sent by e-mail link."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import mail, signing
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from approvals.models import Decision, DecisionAudit, RunStep
from orders.models import Notification, Order
from portal.demo import DEMO_PASSWORD
from portal.models import Delegation, Employee, Tenant
from tests.approvals.conftest import status_of, step
from tests.conftest import browser_for

# Approved orders stay APPROVED here: fulfilment has tests of its own.
pytestmark = pytest.mark.usefixtures("vendors_unreached")

NOTIFICATIONS = reverse("manage:notifications")
SETTING = "email_link_decisions_without_sign_in"
EMAIL_LINK = Decision.Channel.EMAIL_LINK


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


def nothing_stored(order: Order) -> tuple:
    return decisions(order), audits(order), status_of(order), step(order, 1).state


def allow_without_sign_in(tenant: Tenant, allowed: bool = True) -> None:
    Tenant.objects.filter(pk=tenant.pk).update(**{SETTING: allowed})


def assert_sent_to_sign_in(response, path: str) -> None:
    """A redirect to the sign-in page, which brings the visitor back to the link."""
    assert response.status_code == 302
    target = urlsplit(response["Location"])
    assert target.path == reverse("login")
    assert parse_qs(target.query)["next"] == [path]


def assert_no_button(response) -> None:
    """No decision form (a signed-in visitor still has the sign-out one)."""
    html = response.content.decode()
    assert 'name="reason"' not in html
    assert "Approve order</button>" not in html and "Reject order</button>" not in html


def save_settings(admin: Client, *, without_sign_in: bool):
    """Post the notifications page with every notification on and the link setting as given."""
    form = {"enabled": list(Notification.Event.values)}
    if without_sign_in:
        form[SETTING] = "on"
    return admin.post(NOTIFICATIONS, form)


@pytest.fixture
def post(django_capture_on_commit_callbacks):
    """post(client, path, **form): submit the confirmation page; the queued decision is applied
    at once."""

    def submit(client: Client, path: str, **form):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(path, form)

    return submit


@pytest.fixture
def maria_web(maria) -> Client:
    return browser_for(maria)


# --- Opening and confirming, as the approver --------------------------------------------------


def test_opening_the_approve_link_shows_a_confirmation_and_decides_nothing(
    maria_web, submitted_order, maria
):
    # Given maria's approval e-mail
    order = submitted_order()
    approve = link(maria.email, "Approve")

    # When she opens the link, signed in, even twice
    first, second = maria_web.get(approve), maria_web.get(approve)

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
    maria_web, post, submitted_order, maria, ian
):
    order = submitted_order()

    response = post(maria_web, link(maria.email, "Approve"), reason="Fine by me")

    assert response.status_code == 200
    assert response.context["outcome"] == "APPROVAL_QUEUED"
    decision = Decision.objects.get(step__run__order=order)
    assert (decision.action, decision.reason, decision.client_id, decision.channel) == (
        "APPROVE",
        "Fine by me",
        "email-link",
        EMAIL_LINK,
    )
    assert decision.decided_for == maria and decision.decided_by == maria
    assert audits(order) == [("APPROVE", "APPROVAL_QUEUED", maria.pk)]
    assert DecisionAudit.objects.get(order=order).channel == EMAIL_LINK
    # Applied like any other decision: step 2 (IT) now waits, and ian got his own e-mail
    assert decision.applied_at is not None
    assert step(order, 1).state == RunStep.State.APPROVED
    assert step(order, 2).state == RunStep.State.ACTIVE
    assert link(ian.email, "Approve") != link(maria.email, "Approve")


def test_reject_link_without_a_required_reason_shows_the_error(
    maria_web, post, submitted_order, maria, peter
):
    # Given a workflow that requires a reason to reject
    order = submitted_order()
    reject = link(maria.email, "Reject")
    page = maria_web.get(reject)
    assert page.context["is_reject"] and page.context["reason_required"]

    # When maria confirms without a reason
    response = post(maria_web, reject, reason="  ")

    # Then the page shows why, and nothing is decided (the refused attempt is audited)
    assert response.status_code == 400
    assert response.context["errors"] == ["A reason is required to reject this order."]
    assert b"A reason is required to reject this order." in response.content
    assert decisions(order) == 0
    assert audits(order) == [("REJECT", "REFUSED", maria.pk)]
    assert DecisionAudit.objects.get(order=order).channel == EMAIL_LINK

    # When she gives one (a refused attempt did not use the link up)
    response = post(maria_web, reject, reason="Not in the budget")

    # Then the order is rejected and peter told why
    assert response.context["outcome"] == "REJECTION_QUEUED"
    assert status_of(order) == Order.Status.REJECTED
    (told,) = [m for m in mail.outbox if m.to == [peter.email]]
    assert "Not in the budget" in told.body


# --- Signing in through the link --------------------------------------------------------------


def test_an_anonymous_visitor_is_sent_to_sign_in_and_decides_nothing(
    client, post, submitted_order, maria
):
    # Given maria's e-mail, forwarded or prefetched: opened by someone not signed in
    order = submitted_order()
    approve = link(maria.email, "Approve")

    # When they open the link, and even post its form
    opened = client.get(approve)
    posted = post(client, approve, reason="Fine")

    # Then both go to the sign-in page, which would bring them back to the link, and the
    # order (even its number's details) is not shown
    for response in (opened, posted):
        assert_sent_to_sign_in(response, approve)
    assert decisions(order) == 0
    assert audits(order) == []
    assert status_of(order) == Order.Status.AWAITING_APPROVAL


def test_maria_signs_in_through_the_link_and_confirms(client, post, submitted_order, maria):
    # Given maria's e-mail, opened in a browser where she is not signed in
    order = submitted_order()
    approve = link(maria.email, "Approve")
    to_sign_in = client.get(approve)["Location"]

    # When she signs in on the page the link led to
    sign_in_page = client.get(to_sign_in)
    assert sign_in_page.status_code == 200
    assert f'value="{approve}"' in sign_in_page.content.decode()  # next, kept in the form
    signed_in = client.post(
        to_sign_in, {"username": "maria", "password": DEMO_PASSWORD, "next": approve}
    )

    # Then she is back on the confirmation page, which decides nothing yet
    assert signed_in.status_code == 302 and signed_in["Location"] == approve
    page = client.get(approve)
    assert page.status_code == 200
    assert page.context["approver"] == maria and "problem" not in page.context
    assert b'<form method="post"' in page.content
    assert decisions(order) == 0

    # And her POST decides, by e-mail link
    response = post(client, approve, reason="Fine by me")
    assert response.context["outcome"] == "APPROVAL_QUEUED"
    decision = Decision.objects.get(step__run__order=order)
    assert (decision.decided_by, decision.channel) == (maria, EMAIL_LINK)
    assert step(order, 1).state == RunStep.State.APPROVED


def test_signing_in_through_the_link_counts_against_the_lockout(
    client, settings, submitted_order, maria
):
    # Given sign-ins locked out after three failures, and maria's link opened anonymously
    settings.AXES_FAILURE_LIMIT = 3
    order = submitted_order()
    approve = link(maria.email, "Approve")
    to_sign_in = client.get(approve)["Location"]

    # When someone guesses her password on the page the link led to
    for _ in range(3):
        client.post(to_sign_in, {"username": "maria", "password": "guess", "next": approve})
    refused = client.post(
        to_sign_in, {"username": "maria", "password": DEMO_PASSWORD, "next": approve}
    )

    # Then she is locked out like on any sign-in, even with the right password, and the link
    # still only leads to the sign-in page
    assert refused.status_code == 429
    assert "_auth_user_id" not in client.session
    assert_sent_to_sign_in(client.get(approve), approve)
    assert decisions(order) == 0


# --- Someone else signed in -------------------------------------------------------------------


def test_signed_in_as_another_employee_is_403_and_decides_nothing(
    post, submitted_order, maria, sam
):
    # Given maria's e-mail, forwarded to sam, who is signed in
    order = submitted_order()
    approve = link(maria.email, "Approve")
    sams = browser_for(sam)
    before = nothing_stored(order)

    # When sam opens the link and posts its form
    opened = sams.get(approve)
    posted = post(sams, approve, reason="Looks fine to me")

    # Then both are refused, saying whose link it is, and nothing is stored (not even an audit
    # row: the audit names who decided, and nobody did)
    for response in (opened, posted):
        assert response.status_code == 403
        assert response.context["problem"] == "not_the_approver"
        html = response.content.decode()
        assert "This link was sent to Maria Lopez; you are signed in as Sam Okafor." in html
        assert "Peter Edwards" not in html  # nothing of the order beyond its number
        assert_no_button(response)
    assert nothing_stored(order) == before == (0, [], Order.Status.AWAITING_APPROVAL, "active")


def test_a_delegate_is_refused_too_and_pointed_to_the_inbox(post, submitted_order, maria, sam):
    # Given sam stands in for maria today
    today = timezone.localdate()
    Delegation.objects.create(
        tenant=maria.tenant, employee=maria, delegate=sam, starts_on=today, ends_on=today
    )
    order = submitted_order()
    approve = link(maria.email, "Approve")
    sams = browser_for(sam)

    # When sam opens and posts maria's link
    opened, posted = sams.get(approve), post(sams, approve)

    # Then the link stays maria's: 403, with the inbox (where sam decides for her) named
    for response in (opened, posted):
        assert response.status_code == 403
        assert response.context["stands_in"] is True
        assert "your approvals inbox" in response.content.decode()
    assert decisions(order) == 0 and audits(order) == []
    # (from the inbox he may: the order waits there for him)
    assert f'data-order="{order.pk}"' in sams.get(reverse("approvals:inbox")).content.decode()


# --- A link decides once ----------------------------------------------------------------------


def test_a_used_link_says_so_and_decides_nothing_again(
    client, maria_web, post, submitted_order, maria
):
    # Given maria approved through her e-mail's link
    order = submitted_order()
    approve, reject = link(maria.email, "Approve"), link(maria.email, "Reject")
    assert post(maria_web, approve).context["outcome"] == "APPROVAL_QUEUED"
    before = (decisions(order), audits(order))
    assert before == (1, [("APPROVE", "APPROVAL_QUEUED", maria.pk)])

    # When the link, or the same e-mail's Reject link, is opened or posted again, by her or by
    # whoever holds the e-mail (signed in or not)
    responses = [
        maria_web.get(approve),
        post(maria_web, approve),
        post(maria_web, reject, reason="Changed my mind"),
        client.get(approve),
        post(client, reject, reason="Changed my mind"),
    ]

    # Then each says the link was used, with nothing to press; nothing is decided again and
    # nothing audited (a used link is refused before any decision is attempted)
    for response in responses:
        assert response.status_code == 200
        assert response.context["problem"] == "used"
        assert b"This link has been used" in response.content
        assert_no_button(response)
    assert (decisions(order), audits(order)) == before
    assert Decision.objects.get(step__run__order=order).action == "APPROVE"


def test_link_of_an_already_decided_step_says_so_and_decides_nothing(
    client, maria_web, post, submitted_order, api_for, decide, maria
):
    # Given maria's e-mail, and her step decided meanwhile (here through the API)
    order = submitted_order()
    reject = link(maria.email, "Reject")
    decide(api_for(maria), order, "APPROVE")
    before = (decisions(order), audits(order))

    # When the e-mail's Reject link is opened and confirmed (by her, or by anyone: there is
    # nothing left to protect, so no sign-in is needed to learn it)
    responses = [
        maria_web.get(reject),
        post(maria_web, reject, reason="Changed my mind"),
        client.get(reject),
        post(client, reject, reason="Changed my mind"),
    ]

    # Then the pages say the step is decided, and nothing changed
    for response in responses:
        assert response.status_code == 200
        assert response.context["problem"] == "decided"
        assert b"no longer needs a decision" in response.content
        assert b"already been decided" in response.content
        assert_no_button(response)
    assert (decisions(order), audits(order)) == before
    assert Decision.objects.get(step__run__order=order).action == "APPROVE"


def test_link_of_an_order_changed_since_the_mail_says_so_and_decides_nothing(
    maria_web, post, submitted_order, maria
):
    # Given maria's e-mail, and the order changed after it was sent
    order = submitted_order()
    approve = link(maria.email, "Approve")
    Order.objects.filter(pk=order.pk).update(updated_at=order.updated_at + timedelta(seconds=1))

    # When she opens the link and confirms
    shown, confirmed = maria_web.get(approve), post(maria_web, approve)

    # Then the page says the order changed, and nothing is decided
    for response in (shown, confirmed):
        assert response.status_code == 200
        assert response.context["problem"] == "changed"
        assert b"changed since" in response.content
        assert_no_button(response)
    assert decisions(order) == 0
    assert audits(order) == []


def test_tampered_link_is_not_found(client, maria_web, post, submitted_order, maria):
    order = submitted_order()
    approve = link(maria.email, "Approve")
    token = approve.rstrip("/").rsplit("/", 1)[1]
    # Another step, approver or action would need a new signature: any change breaks it
    forged = approve.replace(token, token[:-1] + ("A" if token[-1] != "A" else "B"))

    for response in (client.get(forged), maria_web.get(forged), post(maria_web, forged)):
        assert response.status_code == 404
        assert response.context["problem"] == "invalid"
        assert b"not valid" in response.content
    assert decisions(order) == 0


def test_expired_link_is_gone(maria_web, post, settings, monkeypatch, submitted_order, maria):
    # Given links valid for an hour, and maria's e-mail
    settings.APPROVAL_LINK_MAX_AGE = 3600
    order = submitted_order()
    approve = link(maria.email, "Approve")

    # When she opens it (and confirms) an hour and a minute later
    later = time.time() + 3600 + 60
    monkeypatch.setattr(signing, "time", SimpleNamespace(time=lambda: later))
    shown, confirmed = maria_web.get(approve), post(maria_web, approve)

    # Then the link has expired and nothing is decided
    for response in (shown, confirmed):
        assert response.status_code == 410
        assert response.context["problem"] == "expired"
        assert b"expired" in response.content
    assert decisions(order) == 0
    # While within the hour it still works
    monkeypatch.setattr(signing, "time", SimpleNamespace(time=lambda: later - 120))
    assert maria_web.get(approve).status_code == 200


def test_link_is_bound_to_its_approver(post, submitted_order, api_for, decide, maria, ian, ada):
    # Given step 2, which ian and ada (IT) may both decide, each e-mailed their own links
    order = submitted_order()
    decide(api_for(maria), order, "APPROVE")
    ians, adas = link(ian.email, "Approve"), link(ada.email, "Approve")
    assert ians != adas
    ian_web, ada_web = browser_for(ian), browser_for(ada)
    assert ian_web.get(ians).context["approver"] == ian

    # When ian posts ada's link, and then ada does
    refused = post(ian_web, adas)
    response = post(ada_web, adas)

    # Then ian was refused, and the decision is ada's, not ian's
    assert refused.status_code == 403
    assert "This link was sent to Ada Park; you are signed in as Ian Tran." in (
        refused.content.decode()
    )
    assert response.context["outcome"] == "APPROVAL_QUEUED"
    decision = Decision.objects.get(step=step(order, 2))
    assert decision.decided_for == ada and decision.decided_by == ada
    assert audits(order)[-1] == ("APPROVE", "APPROVAL_QUEUED", ada.pk)
    assert status_of(order) == Order.Status.APPROVED
    # And ian's link now only says the step is decided (by someone else's link: not "used")
    assert ian_web.get(ians).context["problem"] == "decided"


def test_link_of_the_first_step_cannot_decide_the_second(
    maria_web, post, submitted_order, api_for, decide, maria
):
    # Given maria's step-1 link, after step 1 was decided and step 2 started
    order = submitted_order()
    approve = link(maria.email, "Approve")
    decide(api_for(maria), order, "APPROVE")

    response = post(maria_web, approve)

    assert response.context["problem"] == "decided"
    assert step(order, 2).state == RunStep.State.ACTIVE
    assert not Decision.objects.filter(step=step(order, 2)).exists()


# --- The tenant allows decisions without signing in -------------------------------------------


def test_with_the_tenant_setting_on_an_anonymous_post_decides_by_email_link(
    client, post, submitted_order, api_for, web, maria, peter
):
    # Given acme allows decisions from e-mail without signing in
    allow_without_sign_in(maria.tenant)
    order = submitted_order()
    approve = link(maria.email, "Approve")

    # When the link is opened, not signed in: the confirmation page, nothing decided
    page = client.get(approve)
    assert page.status_code == 200 and "problem" not in page.context
    assert b'<form method="post"' in page.content
    assert decisions(order) == 0 and audits(order) == []

    # And confirmed
    response = post(client, approve, reason="Fine by me")

    # Then it is decided as maria's, recorded as sent by e-mail link in the audit and the run
    assert response.context["outcome"] == "APPROVAL_QUEUED"
    decision = Decision.objects.get(step__run__order=order)
    assert (decision.decided_by, decision.decided_for, decision.channel) == (
        maria,
        maria,
        EMAIL_LINK,
    )
    audit = DecisionAudit.objects.get(order=order)
    assert (audit.actor, audit.outcome, audit.channel) == (maria, "APPROVAL_QUEUED", EMAIL_LINK)
    # The API's run record shows it per step
    record = api_for(maria).get(f"orders/{order.pk}/approval").json()["approval"]
    first, second = record["steps"]
    assert first["decision"]["channel"] == "EMAIL_LINK"
    assert first["decision"]["decidedBy"] == {"id": str(maria.pk), "name": "Maria Lopez"}
    assert second["decision"] is None
    # And the order's page says so beside the decision
    timeline = web.get(f"/orders/{order.pk}/").content.decode()
    assert "by Maria Lopez · by e-mail link" in timeline
    # A second use is refused like any other
    assert post(client, approve).context["problem"] == "used"
    assert decisions(order) == 1 and len(audits(order)) == 1


def test_with_the_setting_on_someone_else_signed_in_is_still_refused(
    post, submitted_order, maria, sam
):
    # (being known to be someone else is no better than being unknown: sam would decide as
    # maria while signed in as himself)
    allow_without_sign_in(maria.tenant)
    order = submitted_order()
    approve = link(maria.email, "Approve")

    response = post(browser_for(sam), approve)

    assert response.status_code == 403
    assert decisions(order) == 0 and audits(order) == []


def test_with_the_setting_on_the_link_of_an_approver_who_left_decides_nothing(
    client, post, submitted_order, maria
):
    allow_without_sign_in(maria.tenant)
    order = submitted_order()
    approve = link(maria.email, "Approve")
    Employee.objects.filter(pk=maria.pk).update(status=Employee.Status.INACTIVE)

    response = post(client, approve)

    assert response.status_code == 403
    assert response.context["problem"] == "inactive"
    assert_no_button(response)
    assert decisions(order) == 0 and audits(order) == []


def test_with_the_setting_switched_off_again_anonymous_visitors_are_refused(
    client, post, submitted_order, ada, maria
):
    # Given ada switched the setting on, maria's link worked anonymously...
    admin = browser_for(ada)
    assert save_settings(admin, without_sign_in=True).status_code == 302
    order = submitted_order()
    approve = link(maria.email, "Approve")
    assert client.get(approve).status_code == 200

    # ...and then switched it off again
    assert save_settings(admin, without_sign_in=False).status_code == 302
    assert Tenant.objects.get(pk=ada.tenant_id).email_link_decisions_without_sign_in is False

    # Then the same link sends an anonymous visitor to sign in again, and decides nothing
    assert_sent_to_sign_in(client.get(approve), approve)
    assert_sent_to_sign_in(post(client, approve), approve)
    assert decisions(order) == 0 and audits(order) == []


# --- Other interfaces record their own channel ------------------------------------------------


def test_decisions_from_the_api_and_the_pages_record_their_channel(
    submitted_order, api_for, decide, maria, ian, django_capture_on_commit_callbacks
):
    order = submitted_order()
    decide(api_for(maria), order, "APPROVE")
    with django_capture_on_commit_callbacks(execute=True):
        browser_for(ian).post(f"/approvals/{order.pk}/decide/", {"action": "APPROVE"})

    channels = list(
        Decision.objects.filter(step__run__order=order)
        .order_by("step__position")
        .values_list("channel", flat=True)
    )
    assert channels == ["API", "PAGE"]
    assert list(
        DecisionAudit.objects.filter(order=order).order_by("pk").values_list("channel", flat=True)
    ) == ["API", "PAGE"]
    record = api_for(maria).get(f"orders/{order.pk}/approval").json()["approval"]
    assert [s["decision"]["channel"] for s in record["steps"]] == ["API", "PAGE"]


# --- The setting: tenant admins only ----------------------------------------------------------


def test_the_setting_is_off_by_default_and_on_the_notifications_page(ada, demo):
    assert Tenant._meta.get_field(SETTING).default is False
    assert not Tenant.objects.filter(**{SETTING: True}).exists()

    page = browser_for(ada).get(NOTIFICATIONS).content.decode()

    assert f'name="{SETTING}"' in page
    assert re.search(rf'name="{SETTING}"[^>]*checked', page) is None


def test_a_tenant_admin_switches_it_on(ada, demo):
    admin = browser_for(ada)
    enabled = [e for e in admin.get(NOTIFICATIONS).context["events"] if e["enabled"]]

    response = admin.post(NOTIFICATIONS, {SETTING: "on", "enabled": [e["value"] for e in enabled]})

    assert response.status_code == 302
    assert Tenant.objects.get(pk=demo.acme.pk).email_link_decisions_without_sign_in is True
    assert Tenant.objects.get(pk=demo.globex.pk).email_link_decisions_without_sign_in is False
    page = admin.get(NOTIFICATIONS).content.decode()
    assert re.search(rf'name="{SETTING}"[^>]*checked', page)
    # The notification switches were saved as posted, unchanged
    assert [e for e in admin.get(NOTIFICATIONS).context["events"] if e["enabled"]] == enabled


@pytest.mark.parametrize("username", ["peter", "maria", "ian"])
def test_only_tenant_admins_may_change_it(demo, username):
    someone = browser_for(Employee.objects.get(user__username=username))

    assert someone.get(NOTIFICATIONS).status_code == 403
    assert someone.post(NOTIFICATIONS, {SETTING: "on"}).status_code == 403

    assert Tenant.objects.get(pk=demo.acme.pk).email_link_decisions_without_sign_in is False


def test_another_tenants_admin_neither_sees_nor_changes_it(demo):
    allow_without_sign_in(demo.acme)
    greta = browser_for(Employee.objects.get(user__username="greta"))  # globex's admin

    page = greta.get(NOTIFICATIONS).content.decode()
    greta.post(NOTIFICATIONS, {"enabled": []})  # globex's own page: switches it off for globex

    assert re.search(rf'name="{SETTING}"[^>]*checked', page) is None  # globex's value, off
    assert Tenant.objects.get(pk=demo.acme.pk).email_link_decisions_without_sign_in is True
    assert Tenant.objects.get(pk=demo.globex.pk).email_link_decisions_without_sign_in is False


def test_the_setting_is_in_the_django_admin(demo, django_user_model):
    superuser = django_user_model.objects.create_superuser("root", "root@example.com", "pw")
    admin = Client()
    admin.force_login(superuser)

    page = admin.get(reverse("admin:portal_tenant_change", args=[demo.acme.pk]))

    assert page.status_code == 200
    assert f'name="{SETTING}"' in page.content.decode()
