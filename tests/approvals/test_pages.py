"""Manager pages: the inbox, deciding one order or several, delegation; through Django's client.

Every decision goes through approvals.services.decide; these tests check what the pages make of
its answers (messages, errors beside fields, per-order results) and that nothing else changes.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.utils import timezone

from approvals import services
from approvals.models import Decision
from orders.models import Order, OrderHistory
from portal.models import Delegation, Employee
from tests.approvals.conftest import place_order, routed, snapshot, status_of

INBOX = "/approvals/"
BULK = "/approvals/bulk/"
DELEGATION = "/approvals/delegation/"
REASON_REQUIRED = "A reason is required to reject this order."


def decide_url(order: Order) -> str:
    return f"/approvals/{order.pk}/decide/"


def signed_in(employee: Employee) -> Client:
    client = Client()
    client.force_login(employee.user)
    return client


def waiting_order(peter: Employee) -> Order:
    """Seed 002's order (44.98 USD) placed by peter and routed: step 1 waits for maria."""
    return routed(place_order(peter))


def texts(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


@pytest.fixture
def maria_client(maria) -> Client:
    return signed_in(maria)


@pytest.fixture
def post_decision(django_capture_on_commit_callbacks):
    """post_decision(client, order, **form) -> the followed response; the decision's
    application (queued on commit) runs in-process, as a worker would."""

    def post(client: Client, order: Order, **form):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(decide_url(order), form, follow=True)

    return post


# --- Inbox -------------------------------------------------------------------------------------


def test_inbox_shows_what_the_manager_needs_to_decide(maria_client, peter):
    order = waiting_order(peter)

    response = maria_client.get(INBOX)

    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-order="{order.pk}"' in html
    for text in ("Peter Edwards", "Development", "44.98 USD", "Step 1 of 2", "Requester&#x27;s"):
        assert text in html, text
    for item in order.segments.get().items.all():
        assert item.name in html
    assert 'data-testid="inbox-count">1<' in html  # the navigation's count


def test_inbox_lists_the_longest_waiting_first(maria_client, peter):
    newer, older = waiting_order(peter), waiting_order(peter)
    OrderHistory.objects.filter(order=older, event="approval_step_started").update(
        created_at=timezone.now() - timedelta(days=3)
    )

    html = maria_client.get(INBOX).content.decode()

    assert html.index(f'data-order="{older.pk}"') < html.index(f'data-order="{newer.pk}"')
    assert "age overdue" in html  # three days is flagged


def test_inbox_search_finds_by_order_number_and_requester(maria_client, peter):
    first, second = waiting_order(peter), waiting_order(peter)

    by_number = maria_client.get(INBOX, {"q": f"#{second.pk}"}).content.decode()
    by_name = maria_client.get(INBOX, {"q": "peter edw"}).content.decode()
    nobody = maria_client.get(INBOX, {"q": "okafor"}).content.decode()

    assert f'data-order="{second.pk}"' in by_number
    assert f'data-order="{first.pk}"' not in by_number
    assert f'data-order="{first.pk}"' in by_name and f'data-order="{second.pk}"' in by_name
    assert "No waiting order matches" in nobody


def test_inbox_pages_keep_the_search(maria_client, peter, monkeypatch):
    monkeypatch.setattr("approvals.web.inbox.INBOX_PAGE_SIZE", 2)
    orders = [waiting_order(peter) for _ in range(3)]

    first = maria_client.get(INBOX, {"q": "peter"})
    second = maria_client.get(INBOX, {"q": "peter", "page": 2})

    assert [o.pk for o in first.context["rows"]] == [o.pk for o in orders[:2]]
    assert [o.pk for o in second.context["rows"]] == [orders[2].pk]
    assert "?q=peter&amp;page=2" in first.content.decode()


def test_decided_orders_stay_findable_under_decided_by_me(maria_client, peter, post_decision):
    order = waiting_order(peter)
    post_decision(maria_client, order, action="APPROVE", reason="Fine by me")

    waiting = maria_client.get(INBOX).content.decode()
    decided = maria_client.get(INBOX, {"tab": "decided"}).content.decode()

    assert f'data-order="{order.pk}"' not in waiting
    assert "all caught up" in waiting
    assert f'data-order="{order.pk}"' in decided
    assert "Approved" in decided and "Fine by me" in decided


def test_inbox_runs_the_same_queries_for_one_or_twelve_orders(
    maria_client, peter, django_assert_max_num_queries, count_queries
):
    waiting_order(peter)
    with count_queries() as one:
        assert maria_client.get(INBOX).status_code == 200
    for _ in range(11):
        waiting_order(peter)

    with django_assert_max_num_queries(len(one)), count_queries() as twelve:
        response = maria_client.get(INBOX)

    assert len(response.context["rows"]) == 12
    assert len(twelve) == len(one)


def test_decided_tab_runs_the_same_queries_for_one_or_twelve_decisions(
    maria_client, maria, peter, django_assert_max_num_queries, count_queries
):
    def decided_once():
        services.decide(
            services.DecisionRequest(order=waiting_order(peter), actor=maria, action="APPROVE")
        )

    decided_once()
    with count_queries() as one:
        assert maria_client.get(INBOX, {"tab": "decided"}).status_code == 200
    for _ in range(11):
        decided_once()

    with django_assert_max_num_queries(len(one)), count_queries() as twelve:
        response = maria_client.get(INBOX, {"tab": "decided"})

    assert len(response.context["rows"]) == 12
    assert len(twelve) == len(one)


# --- Deciding one order ------------------------------------------------------------------------


def test_approving_records_the_decision_and_says_so(maria_client, maria, peter, post_decision):
    order = waiting_order(peter)

    response = post_decision(maria_client, order, action="APPROVE", reason="")

    assert response.redirect_chain[-1][0] == INBOX
    assert any(text.startswith("Approval recorded") for text in texts(response))
    decision = Decision.objects.get(step__run__order=order)
    assert (decision.action, decision.decided_by, decision.decided_for) == ("APPROVE", maria, maria)
    assert decision.client_id == "web"
    assert status_of(order) == Order.Status.AWAITING_APPROVAL  # step 2 (IT) is next


def test_rejecting_without_a_reason_is_refused_and_the_inbox_says_why(
    maria_client, peter, post_decision
):
    order = waiting_order(peter)
    before = snapshot(order)

    response = post_decision(maria_client, order, action="REJECT", reason="  ")

    assert snapshot(order) == before
    assert f"Order #{order.pk} was not rejected." in texts(response)
    html = response.content.decode()
    assert REASON_REQUIRED in html
    assert 'aria-invalid="true"' in html
    # Shown once: the next visit is clean
    assert REASON_REQUIRED not in maria_client.get(INBOX).content.decode()


def test_rejecting_with_a_reason_and_no_notification(maria_client, peter, post_decision):
    order = waiting_order(peter)

    response = post_decision(
        maria_client, order, action="REJECT", reason="Not this quarter", communication="None"
    )

    assert any(text.startswith("Rejection recorded") for text in texts(response))
    assert status_of(order) == Order.Status.REJECTED
    decision = Decision.objects.get(step__run__order=order)
    assert (decision.reason, decision.communication) == ("Not this quarter", "None")


def test_refused_decision_from_the_order_page_shows_the_error_beside_the_reason_box(
    maria_client, maria, peter, post_decision
):
    order = waiting_order(peter)
    order_page = f"/orders/{order.pk}/"

    maria_client.post(decide_url(order), {"action": "REJECT", "next": order_page})

    # The order page includes the decision partial: render it as that page would
    request = RequestFactory().get(order_page)
    request.user, request.session = maria.user, maria_client.session
    html = render_to_string(
        "approvals/partials/decision_form.html", {"order": order}, request=request
    )
    assert REASON_REQUIRED in html
    assert f'action="{decide_url(order)}"' in html
    assert f'name="next" value="{order_page}"' in html
    assert 'value="APPROVE"' in html and 'value="REJECT"' in html


def test_the_decision_partial_is_empty_for_whoever_may_not_decide(ian, peter, maria):
    order = waiting_order(peter)

    def partial_for(employee):
        request = RequestFactory().get("/")
        request.user = employee.user if employee else AnonymousUser()
        request.session = {}
        return render_to_string(
            "approvals/partials/decision_form.html", {"order": order}, request=request
        ).strip()

    assert partial_for(ian) == ""  # step 2's approver, not yet
    assert partial_for(peter) == ""  # the requester
    assert partial_for(None) == ""
    assert "Your decision" in partial_for(maria)


def test_next_is_followed_only_within_the_site(maria_client, peter):
    order, other = waiting_order(peter), waiting_order(peter)

    inside = maria_client.post(
        decide_url(order), {"action": "APPROVE", "next": f"/orders/{order.pk}/"}
    )
    outside = maria_client.post(
        decide_url(other), {"action": "APPROVE", "next": "https://evil.example/"}
    )

    assert inside.status_code == 302 and inside["Location"] == f"/orders/{order.pk}/"
    assert outside.status_code == 302 and outside["Location"] == INBOX


def test_an_approver_of_a_later_step_is_told_they_may_not_decide(ian, peter, post_decision):
    order = waiting_order(peter)
    before = snapshot(order)

    response = post_decision(signed_in(ian), order, action="APPROVE")

    assert response.status_code == 200  # a message, not an error page
    assert f"Order #{order.pk}: You may not decide this step of the order." in texts(response)
    assert snapshot(order) == before


def test_the_requester_is_told_they_cannot_decide_their_own_order(peter, post_decision):
    order = waiting_order(peter)

    response = post_decision(signed_in(peter), order, action="APPROVE")

    assert "The requester can never decide their own order." in texts(response)[0]
    assert not Decision.objects.exists()


def test_another_tenants_order_is_not_found(gina, peter):
    order = waiting_order(peter)

    response = signed_in(gina).post(decide_url(order), {"action": "APPROVE"})

    assert response.status_code == 404
    assert not Decision.objects.exists()


def test_deciding_needs_a_post(maria_client, peter):
    order = waiting_order(peter)

    assert maria_client.get(decide_url(order)).status_code == 405


def test_an_unknown_action_decides_nothing(maria_client, peter):
    order = waiting_order(peter)

    response = maria_client.post(decide_url(order), {"action": "MAYBE"}, follow=True)

    assert f"Order #{order.pk}: nothing was decided." in texts(response)
    assert "Choose Approve or Reject." in response.content.decode()
    assert not Decision.objects.exists()


def test_deciding_needs_a_signed_in_employee(client, peter):
    order = waiting_order(peter)

    response = client.post(decide_url(order), {"action": "APPROVE"})

    assert response.status_code == 302 and response["Location"].startswith("/login/")


# --- Bulk decisions ----------------------------------------------------------------------------


def bulk(client: Client, django_capture_on_commit_callbacks, **form):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(BULK, form, follow=True)


def results_of(response) -> dict[int, tuple[str, str]]:
    return {r["order_id"]: (r["kind"], r["label"]) for r in response.context["results"]}


def test_bulk_approval_decides_each_order_and_reports_each(
    maria_client, peter, django_capture_on_commit_callbacks
):
    first, second = waiting_order(peter), waiting_order(peter)

    response = bulk(
        maria_client,
        django_capture_on_commit_callbacks,
        order=[first.pk, second.pk],
        action="APPROVE",
    )

    assert response.redirect_chain[-1][0] == BULK
    assert results_of(response) == {
        first.pk: ("ok", "Approval recorded"),
        second.pk: ("ok", "Approval recorded"),
    }
    assert "2 of 2 approvals recorded." in response.content.decode()
    assert Decision.objects.filter(step__run__order__in=[first, second]).count() == 2
    # The results are shown once; coming back leads to the inbox
    assert maria_client.get(BULK).url == INBOX


def test_bulk_results_say_why_an_order_was_not_decided(
    maria_client, peter, django_capture_on_commit_callbacks
):
    waiting = waiting_order(peter)
    decided = waiting_order(peter)
    maria_client.post(decide_url(decided), {"action": "APPROVE"})  # recorded, not yet applied
    missing = Order.objects.order_by("-pk").first().pk + 1000

    response = bulk(
        maria_client,
        django_capture_on_commit_callbacks,
        order=[waiting.pk, decided.pk, missing],
        action="REJECT",
    )

    assert results_of(response) == {
        waiting.pk: ("bad", "Reason required"),
        decided.pk: ("info", "No longer needs your decision"),
        missing: ("bad", "Not found"),
    }
    html = response.content.decode()
    assert REASON_REQUIRED in html
    # A form to give the missing reason for exactly the orders that needed one
    assert response.context["retry_ids"] == [waiting.pk]
    assert "Give a reason" in html


def test_bulk_refusals_are_reported_per_order(ian, peter, django_capture_on_commit_callbacks):
    order = waiting_order(peter)

    response = bulk(
        signed_in(ian), django_capture_on_commit_callbacks, order=[order.pk], action="APPROVE"
    )

    assert results_of(response) == {order.pk: ("bad", "Refused")}
    assert "You may not decide this step of the order." in response.content.decode()


def test_bulk_rejection_with_one_reason_for_all(
    maria_client, peter, django_capture_on_commit_callbacks
):
    orders = [waiting_order(peter), waiting_order(peter)]

    response = bulk(
        maria_client,
        django_capture_on_commit_callbacks,
        order=[o.pk for o in orders],
        action="REJECT",
        reason="Budget freeze",
    )

    assert {kind for kind, _ in results_of(response).values()} == {"ok"}
    assert [status_of(o) for o in orders] == [Order.Status.REJECTED] * 2
    assert set(Decision.objects.values_list("reason", flat=True)) == {"Budget freeze"}


def test_bulk_with_nothing_selected_says_so(maria_client):
    response = maria_client.post(BULK, {"action": "APPROVE"}, follow=True)

    assert response.redirect_chain[-1][0] == INBOX
    assert "Select at least one order." in texts(response)


# --- Delegation --------------------------------------------------------------------------------


def delegation_form(delegate: Employee, starts=0, ends=7) -> dict:
    today = timezone.localdate()
    return {
        "delegate": delegate.pk,
        "starts_on": (today + timedelta(days=starts)).isoformat(),
        "ends_on": (today + timedelta(days=ends)).isoformat(),
    }


def test_naming_a_delegate(maria_client, maria, sam):
    response = maria_client.post(DELEGATION, delegation_form(sam), follow=True)

    assert response.redirect_chain[-1][0] == DELEGATION
    delegation = Delegation.objects.get()
    assert (delegation.employee, delegation.delegate) == (maria, sam)
    assert texts(response)[0].startswith("Sam Okafor decides your approvals from")
    assert response.context["current"] == [delegation]


def test_the_delegate_list_offers_active_colleagues_only(maria_client, maria, sam, gina):
    Employee.objects.filter(pk=sam.pk).update(status=Employee.Status.INACTIVE)

    choices = dict(maria_client.get(DELEGATION).context["form"].fields["delegate"].choices)

    names = " ".join(str(label) for label in choices.values())
    assert "Peter Edwards" in names and "Ian Tran" in names
    assert "Maria Lopez" not in names and "Sam Okafor" not in names and "Gina" not in names


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        (lambda e: delegation_form(e["sam"], starts=3, ends=1), "ends_on", "The end comes before"),
        (lambda e: delegation_form(e["maria"]), "delegate", "You cannot be your own delegate."),
        (lambda e: delegation_form(e["gina"]), "delegate", "Choose an active colleague."),
        (lambda e: delegation_form(e["inactive"]), "delegate", "Choose an active colleague."),
        (lambda e: {"delegate": e["sam"].pk}, "starts_on", "This field is required."),
    ],
)
def test_delegation_problems_are_shown_beside_their_field(
    maria_client, maria, sam, gina, peter, form, field, message
):
    Employee.objects.filter(pk=peter.pk).update(status=Employee.Status.INACTIVE)
    people = {"sam": sam, "maria": maria, "gina": gina, "inactive": peter}

    response = maria_client.post(DELEGATION, form(people))

    assert response.status_code == 400
    errors = response.context["form"].errors
    assert any(text.startswith(message) for text in errors[field]), errors
    assert message in response.content.decode()
    assert not Delegation.objects.exists()


def test_withdrawing_a_delegation(maria_client, maria, sam):
    maria_client.post(DELEGATION, delegation_form(sam))
    delegation = Delegation.objects.get()

    response = maria_client.post(f"{DELEGATION}{delegation.pk}/withdraw/", follow=True)

    assert "Sam Okafor no longer decides for you." in texts(response)
    assert not Delegation.objects.exists()


def test_only_the_employee_withdraws_their_delegation(maria_client, sam, peter, gina):
    maria_client.post(DELEGATION, delegation_form(sam))
    delegation = Delegation.objects.get()

    refused = signed_in(peter).post(f"{DELEGATION}{delegation.pk}/withdraw/", follow=True)
    foreign = signed_in(gina).post(f"{DELEGATION}{delegation.pk}/withdraw/")

    assert "You may only withdraw your own delegations." in texts(refused)
    assert foreign.status_code == 404
    assert Delegation.objects.filter(pk=delegation.pk).exists()


def test_a_delegate_sees_who_delegated_and_decides_for_them(
    maria_client, maria, sam, peter, post_decision
):
    order = waiting_order(peter)
    maria_client.post(DELEGATION, delegation_form(sam, starts=0, ends=0))
    sam_client = signed_in(sam)

    page = sam_client.get(DELEGATION)
    inbox = sam_client.get(INBOX).content.decode()
    response = post_decision(sam_client, order, action="APPROVE")

    assert [d.employee for d in page.context["for_me"]] == [maria]
    assert f'data-order="{order.pk}"' in inbox and "for Maria Lopez" in inbox
    assert any(text.startswith("Approval recorded") for text in texts(response))
    decision = Decision.objects.get(step__run__order=order)
    assert (decision.decided_by, decision.decided_for) == (sam, maria)


def test_delegation_page_queries_do_not_grow_with_delegations(
    maria_client, maria, sam, ian, victor, count_queries
):
    Delegation.objects.create(
        tenant=maria.tenant, employee=maria, delegate=sam,
        starts_on=timezone.localdate(), ends_on=timezone.localdate(),
    )  # fmt: skip
    with count_queries() as one:
        maria_client.get(DELEGATION)
    today = timezone.localdate()
    for days, delegate in enumerate([ian, victor, sam, ian, victor], start=1):
        Delegation.objects.create(
            tenant=maria.tenant, employee=maria, delegate=delegate,
            starts_on=today + timedelta(days=days), ends_on=today + timedelta(days=days + 1),
        )  # fmt: skip
        Delegation.objects.create(
            tenant=maria.tenant, employee=delegate, delegate=maria,
            starts_on=today - timedelta(days=days), ends_on=today + timedelta(days=days),
        )  # fmt: skip

    with count_queries() as many:
        response = maria_client.get(DELEGATION)

    assert len(response.context["upcoming"]) == 5 and len(response.context["for_me"]) == 5
    assert len(many) == len(one)


# --- Who is offered the approvals pages ----------------------------------------------------------


def nav_links(client: Client) -> tuple[bool, bool]:
    """(the navigation's Approvals link, the inbox's "Away? Name a delegate") on the inbox."""
    html = client.get(INBOX).content.decode()
    return 'data-testid="nav-approvals"' in html, 'data-testid="delegation-link"' in html


def test_an_employee_who_approves_nothing_is_not_offered_the_approvals_pages(peter, sam):
    assert nav_links(signed_in(peter)) == (False, False)
    assert nav_links(signed_in(sam)) == (False, False)


def test_managers_group_members_admins_and_delegates_are_offered_them(maria, ian, ada, sam):
    for employee in (maria, ian, ada):
        assert nav_links(signed_in(employee)) == (True, True), employee
    Delegation.objects.create(
        tenant=maria.tenant, employee=maria, delegate=sam,
        starts_on=timezone.localdate(), ends_on=timezone.localdate(),
    )  # fmt: skip
    assert nav_links(signed_in(sam)) == (True, True)


def test_someone_an_order_waits_for_is_offered_them(peter, sam):
    from orders.services import set_approvers

    set_approvers(waiting_order(peter), [sam], level=1)  # a named approver, say

    assert nav_links(signed_in(sam)) == (True, True)


def test_the_inbox_computes_whom_one_decides_for_once(maria_client, peter, monkeypatch):
    from portal import selectors

    waiting_order(peter)
    calls = []
    real = selectors.deciding_for
    monkeypatch.setattr(selectors, "deciding_for", lambda e, **kw: calls.append(e) or real(e))

    maria_client.get(INBOX)
    maria_client.get(INBOX, {"tab": "decided"})

    assert len(calls) == 2  # once per page, navigation included


# --- Decided by me: who decided, for whom --------------------------------------------------------


def decided_by_line(client: Client) -> str:
    response = client.get(INBOX, {"tab": "decided"})
    (decision,) = response.context["rows"]
    return decision.who


def test_a_tenant_admins_decision_on_ones_behalf_is_not_called_a_delegates(
    maria_client, ada, maria, peter, api_for, django_capture_on_commit_callbacks
):
    order = waiting_order(peter)
    with django_capture_on_commit_callbacks(execute=True):
        api_for(ada, HTTP_X_TNGO_CONTEXT_EMPLOYEEID=str(maria.pk)).post(
            f"orders/{order.pk}/approval", {"action": "APPROVE"}
        )

    html = maria_client.get(INBOX, {"tab": "decided"}).content.decode()

    assert decided_by_line(maria_client) == "by Ada Park, a tenant admin, on your behalf"
    assert "your delegate" not in html
    assert decided_by_line(signed_in(ada)) == "for Maria Lopez"


def test_a_delegates_decision_says_so_to_both(maria_client, maria, sam, peter, post_decision):
    order = waiting_order(peter)
    Delegation.objects.create(
        tenant=maria.tenant, employee=maria, delegate=sam,
        starts_on=timezone.localdate(), ends_on=timezone.localdate(),
    )  # fmt: skip
    post_decision(signed_in(sam), order, action="APPROVE")

    assert decided_by_line(maria_client) == "by Sam Okafor, your delegate"
    assert decided_by_line(signed_in(sam)) == "for Maria Lopez"


def test_ones_own_decision_names_nobody_else(maria_client, peter, post_decision):
    post_decision(maria_client, waiting_order(peter), action="APPROVE")

    assert decided_by_line(maria_client) == ""


# --- Care orders in the inbox name their line ----------------------------------------------------


def test_a_care_order_row_names_its_line(maria_client, peter, post_decision):
    from catalog.models import ServiceAsset
    from orders import drafts as order_drafts
    from orders import services as order_services
    from orders.requests import parse_order_request

    line = ServiceAsset.objects.get(account_holder=peter)
    body = {
        "orderRequest": {
            "transactionType": "SUSPEND",
            "serviceId": str(line.pk),
            "properties": [
                {
                    "groupId": "SUSPENSION",
                    "fields": [{"id": "REASON", "type": "CHOICE", "choice": {"id": "LEAVE"}}],
                }
            ],
        }
    }
    request = parse_order_request(body, tenant=peter.tenant, actor=peter)
    draft = order_drafts.draft_order(tenant=peter.tenant, actor=peter, request=request)
    order = routed(order_services.submit_order(draft=draft)[0])
    assert order.status == Order.Status.AWAITING_APPROVAL

    waiting = maria_client.get(INBOX).content.decode()
    post_decision(maria_client, order, action="APPROVE")
    decided = maria_client.get(INBOX, {"tab": "decided"}).content.decode()

    for html in (waiting, decided):
        assert f"A change to line {line.service_number}" in html
