"""Pages of the approvals app: deciding from the approval e-mail's signed links."""

from __future__ import annotations

from django.core import signing
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from approvals import links, services
from approvals.models import Decision, RunStep
from orders import selectors as order_selectors
from portal.exceptions import DomainError, RequestInvalid
from portal.models import Employee
from portal.pages import employee_required


@require_http_methods(["GET", "POST"])
def email_decision(request, token: str):
    """Confirmation page of an e-mailed Approve / Reject link. GET only shows (mail scanners
    prefetch links); the POST decides, through the same service as every other interface."""
    context = {"token": token}
    try:
        claim = links.read_token(token)
    except signing.SignatureExpired:
        return render(request, "approvals/email_decision.html", {"problem": "expired"}, status=410)
    except signing.BadSignature:
        return render(request, "approvals/email_decision.html", {"problem": "invalid"}, status=404)
    step = (
        RunStep.objects.select_related("run__order__requested_by", "run__order__tenant")
        .filter(pk=claim.step_id)
        .first()
    )
    approver = Employee.objects.filter(pk=claim.approver_id).first()
    if step is None or approver is None or approver.tenant_id != step.run.order.tenant_id:
        return render(request, "approvals/email_decision.html", {"problem": "invalid"}, status=404)
    order = step.run.order
    context.update(
        order=order,
        step=step,
        approver=approver,
        action=claim.action,
        is_reject=claim.action == Decision.Action.REJECT,
        reason_required=step.run.reason_required_to_reject
        if claim.action == Decision.Action.REJECT
        else step.run.reason_required_to_approve,
        items=[item for segment in order.segments.all() for item in segment.items.all()],
    )
    if step.state != RunStep.State.ACTIVE or Decision.objects.filter(step=step).exists():
        context["problem"] = "decided"
    elif links.is_stale(claim, order):
        context["problem"] = "changed"
    if "problem" in context or request.method == "GET":
        return render(request, "approvals/email_decision.html", context)
    reason = request.POST.get("reason", "").strip()[:2000]
    try:
        outcome = services.decide(
            services.DecisionRequest(
                order=order,
                actor=approver,
                action=claim.action,
                reason=reason,
                client_id="email-link",
                ip_address=request.META.get("REMOTE_ADDR"),
                correlation_id=getattr(request, "correlation_id", ""),
            )
        )
    except RequestInvalid as exc:
        context.update(errors=[p.message for p in exc.problems], reason=reason)
        return render(request, "approvals/email_decision.html", context, status=400)
    except DomainError as exc:
        context.update(problem="refused", message=exc.message)
        return render(request, "approvals/email_decision.html", context, status=exc.status)
    context.update(outcome=outcome, done=True)
    return render(request, "approvals/email_decision.html", context)


@employee_required
def inbox(request):
    orders = order_selectors.with_summary(order_selectors.awaiting_decision_by(request.employee))
    return render(request, "approvals/inbox.html", {"orders": orders})
