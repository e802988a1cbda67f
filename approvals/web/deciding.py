"""Deciding in the browser: one order from its page or the inbox, or several at once.

Every decision goes through services.decide, the same call the API makes; these views parse,
call and show the outcome or the refusal."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from approvals import bulk, rules, services
from approvals.models import Decision
from approvals.web import forms
from orders import selectors as order_selectors
from orders.models import Order
from portal import selectors as people
from portal.exceptions import DomainError, RequestInvalid
from portal.models import Employee
from portal.web.pages import employee_required, problems_by_field

# Decisions made in the browser are audited with this client id (the API records the caller's).
CLIENT_ID = "web"


# Problems of a refused decision, kept in the session for the page the user goes back to:
# {order id: {"errors": {field: [messages]}, "reason": what was typed}}.
PROBLEMS_KEY = "approvals.decision_problems"


BULK_RESULTS_KEY = "approvals.bulk_results"

KEPT_REASON_MAX = 4 * rules.MAX_REASON


@require_POST
@employee_required
def order_decide(request, pk: int):
    """Approve or reject one order (from the inbox or the order page), then go back there."""
    employee = request.employee
    # Any order of the tenant: a non-approver is told why not; another tenant's order is 404.
    order = get_object_or_404(Order.objects.filter(tenant_id=employee.tenant_id), pk=pk)
    back = _next_url(request)
    take_problems(request, order.pk)  # a new attempt: the last one's problems are stale
    form = forms.DecisionForm(request.POST)
    if not form.is_valid():
        _keep_problems(request, order.pk, form.errors, request.POST.get("reason", ""))
        messages.error(request, f"Order #{order.pk}: nothing was decided.")
        return redirect(back)
    data = form.cleaned_data
    rejecting = data["action"] == Decision.Action.REJECT
    actor = _acting_for(request, data)
    if actor is None:
        _keep_problems(request, order.pk, {"decide_for": [forms.CHOOSE_APPROVER]}, data["reason"])
        messages.error(request, f"Order #{order.pk}: nothing was decided.")
        return redirect(back)
    try:
        outcome = services.decide(_decision_request(request, order, data, actor=actor))
    except RequestInvalid as exc:
        _keep_problems(request, order.pk, problems_by_field(exc.problems), data["reason"])
        messages.error(
            request, f"Order #{order.pk} was not {'rejected' if rejecting else 'approved'}."
        )
        return redirect(back)
    except DomainError as exc:
        messages.error(request, f"Order #{order.pk}: {exc.message}")
        return redirect(back)
    level, text = OUTCOME_MESSAGES[outcome]
    if actor.pk != request.employee.pk and level == messages.SUCCESS:
        text = f"{text} for {actor.full_name}"
    messages.add_message(request, level, f"{text} (order #{order.pk}).")
    return redirect(back)


def _acting_for(request, data: dict) -> Employee | None:
    """Whom the decision is made as: the signed-in employee, or the approver a tenant admin
    chose under "Decide for". None when that is not someone they may act for: who may is
    portal.selectors.may_act_for, the rule the API's context headers follow too."""
    employee = request.employee
    chosen = data.get("decide_for")
    if not chosen or chosen == employee.pk:
        return employee
    target = people.employee_in_tenant(employee.tenant, pk=chosen)
    if target is None or not people.may_act_for(employee, target):
        return None
    return target


OUTCOME_MESSAGES = {
    services.Outcome.APPROVAL_QUEUED: (messages.SUCCESS, "Approval recorded"),
    services.Outcome.REJECTION_QUEUED: (messages.SUCCESS, "Rejection recorded"),
    services.Outcome.APPROVAL_NOT_NEEDED: (
        messages.INFO,
        "Nothing to do: this order no longer needs your decision",
    ),
    services.Outcome.NOT_READY_FOR_APPROVAL: (
        messages.WARNING,
        "This order is still being routed; try again in a moment",
    ),
}


def _decision_request(
    request, order: Order, data: dict, *, actor: Employee | None = None
) -> services.DecisionRequest:
    """The decision as posted; `actor`: whom it is made as, when not the signed-in employee
    (who is then recorded as the real caller, as with the API's context headers)."""
    employee = request.employee
    actor = actor or employee
    return services.DecisionRequest(
        order=order,
        actor=actor,
        caller=employee if actor.pk != employee.pk else None,
        action=data["action"],
        reason=data["reason"],
        communication=data["communication"],
        client_id=CLIENT_ID,
        channel=Decision.Channel.PAGE,
        ip_address=request.META.get("REMOTE_ADDR"),
        correlation_id=getattr(request, "correlation_id", ""),
    )


def _next_url(request) -> str:
    """Where to go back after a decision: the posted `next` if it is ours, else the inbox."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("approvals:inbox")


def _keep_problems(request, order_id: int, errors: dict, reason: str) -> None:
    problems = request.session.get(PROBLEMS_KEY, {})
    problems[str(order_id)] = {
        "errors": {field: list(texts) for field, texts in errors.items()},
        # Shown back as typed, so that a reason refused as too long can be shortened; only a
        # reason far past the limit (no browser form sends one) is cut, to bound the session.
        "reason": reason[:KEPT_REASON_MAX],
    }
    request.session[PROBLEMS_KEY] = problems


def take_problems(request, order_id: int) -> dict | None:
    """The problems of the last refused decision on this order, once (the decision form
    partial shows them beside their fields)."""
    session = getattr(request, "session", None)
    if session is None or PROBLEMS_KEY not in session:
        return None
    problems = session[PROBLEMS_KEY]
    mine = problems.pop(str(order_id), None)
    if mine is not None:
        session[PROBLEMS_KEY] = problems
    return mine


BULK_RESULTS = {
    services.Outcome.APPROVAL_QUEUED: ("ok", "Approval recorded"),
    services.Outcome.REJECTION_QUEUED: ("ok", "Rejection recorded"),
    services.Outcome.APPROVAL_NOT_NEEDED: ("info", "No longer needs your decision"),
    services.Outcome.NOT_READY_FOR_APPROVAL: ("info", "Still being routed: try again shortly"),
}


@require_http_methods(["GET", "POST"])
@employee_required
def bulk_decide(request):
    """POST: decide each selected order separately; GET: the per-order results, once."""
    if request.method == "GET":
        results = request.session.pop(BULK_RESULTS_KEY, None)
        if results is None:
            return redirect("approvals:inbox")
        return render(
            request, "approvals/bulk_result.html", {**results, "max_reason": rules.MAX_REASON}
        )
    form = forms.BulkDecisionForm(request.POST)
    if not form.is_valid():
        for texts in form.errors.values():
            for text in texts:
                messages.error(request, text)
        return redirect(_next_url(request))
    data = form.cleaned_data
    decided = bulk.decide_many(
        data["order"],
        tenant_id=request.employee.tenant_id,
        request_for=lambda order: _decision_request(request, order, data),
        orders=order_selectors.with_summary(Order.objects.all()),
    )
    results = [_bulk_result(item) for item in decided]
    request.session[BULK_RESULTS_KEY] = {
        "action": data["action"],
        "reason": data["reason"],
        "results": results,
        "recorded": sum(r["kind"] == "ok" for r in results),
        "retry_ids": [r["order_id"] for r in results if r["label"] == "Reason required"],
    }
    return redirect("approvals:bulk")


def _bulk_result(item: bulk.BulkResult) -> dict:
    """One row of the bulk results page (kept in the session: plain values only)."""
    result = {"order_id": item.order_id, "kind": "bad", "label": "Not found", "detail": ""}
    order = item.order
    if order is None:
        result["detail"] = "There is no such order in your company."
        return result
    result.update(
        requester=order.requested_by.full_name, cost=f"{order.cost_onetime} {order.currency}"
    )
    if isinstance(item.refusal, RequestInvalid):
        detail = " ".join(p.message for p in item.refusal.problems)
        result.update(label="Reason required", detail=detail)
    elif item.refusal is not None:
        result.update(label="Refused", detail=item.refusal.message)
    else:
        kind, label = BULK_RESULTS[item.outcome]
        result.update(kind=kind, label=label, outcome=str(item.outcome))
    return result
