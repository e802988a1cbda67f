"""Deciding from the approval e-mail's signed links (approvals.links): a confirmation page whose
button decides, for the approver signed in (or for whoever holds the link, where the tenant
allows it)."""

from __future__ import annotations

import logging

from django.contrib.auth.views import redirect_to_login
from django.core import signing
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from approvals import links, rules, services
from approvals.models import ApprovalRun, Decision, RunStep
from approvals.web import forms
from portal import selectors as people
from portal.exceptions import DomainError, RequestInvalid
from portal.models import Employee

logger = logging.getLogger(__name__)

LINK_PAGE = "approvals/email_decision.html"


@require_http_methods(["GET", "POST"])
def email_decision(request, token: str):
    """Confirmation page of an e-mailed Approve / Reject link.

    The link names one approver and one step, and decides once: when the step is decided (through
    this link or any other way), withdrawn, or the order changed since the e-mail, it only says
    so, to whoever opens it, with nothing to press. Otherwise the page is its approver's: signed
    in as them, they confirm with the POST; an anonymous visitor goes through the sign-in page
    and back; anyone else signed in (a delegate too: delegates decide from their inbox) gets a
    403 and decides nothing. Only a tenant that allows decisions from e-mail without signing in
    lets an anonymous visitor confirm, as the approver. GET only shows (mail scanners prefetch
    links); the POST decides through the same service as every other interface, recorded as
    sent by e-mail link."""
    try:
        claim = links.read_token(token)
    except signing.SignatureExpired:
        return render(request, LINK_PAGE, {"problem": "expired"}, status=410)
    except signing.BadSignature:
        return render(request, LINK_PAGE, {"problem": "invalid"}, status=404)
    step = (
        RunStep.objects.select_related("run__order__requested_by", "run__order__tenant")
        .filter(pk=claim.step_id)
        .first()
    )
    approver = Employee.objects.filter(pk=claim.approver_id).first()
    if step is None or approver is None or approver.tenant_id != step.run.order.tenant_id:
        return render(request, LINK_PAGE, {"problem": "invalid"}, status=404)
    order = step.run.order
    context = {
        "token": token,
        "order": order,
        "step": step,
        "approver": approver,
        "action": claim.action,
        "is_reject": claim.action == Decision.Action.REJECT,
        "max_reason": rules.MAX_REASON,
    }
    # A link that can no longer decide says so to anyone: there is nothing left to protect.
    problem, decision = _spent(claim, step, approver)
    if problem:
        if request.method == "POST":
            logger.info("e-mail link of step %s posted again (%s): nothing done", step.pk, problem)
        context.update(problem=problem, decision=decision)
        return render(request, LINK_PAGE, context)
    if request.user.is_authenticated:
        visitor = people.employee_of_user(request.user)
        if visitor is None or visitor.pk != approver.pk:
            return _not_the_approver(request, context, visitor)
        if visitor.status != Employee.Status.ACTIVE:
            return render(request, "portal/no_employee.html", status=403)
    elif not order.tenant.email_link_decisions_without_sign_in:
        # The sign-in page (lockout included) and back to this link; a POST decides nothing.
        return redirect_to_login(request.get_full_path())
    if approver.status != Employee.Status.ACTIVE:
        context["problem"] = "inactive"
        return render(request, LINK_PAGE, context, status=403)
    context.update(
        reason_required=step.run.reason_required_to_reject
        if context["is_reject"]
        else step.run.reason_required_to_approve,
        items=[item for segment in order.segments.all() for item in segment.items.all()],
    )
    if request.method == "GET":
        return render(request, LINK_PAGE, context)
    form = forms.LinkDecisionForm(request.POST)
    if not form.is_valid():
        context.update(errors=form.errors["reason"], reason=request.POST.get("reason", ""))
        return render(request, LINK_PAGE, context, status=400)
    reason = form.cleaned_data["reason"]
    try:
        outcome = services.decide(
            services.DecisionRequest(
                order=order,
                actor=approver,
                action=claim.action,
                reason=reason,
                client_id="email-link",
                channel=Decision.Channel.EMAIL_LINK,
                ip_address=request.META.get("REMOTE_ADDR"),
                correlation_id=getattr(request, "correlation_id", ""),
            )
        )
    except RequestInvalid as exc:
        context.update(errors=[p.message for p in exc.problems], reason=reason)
        return render(request, LINK_PAGE, context, status=400)
    except DomainError as exc:
        context.update(problem="refused", message=exc.message)
        return render(request, LINK_PAGE, context, status=exc.status)
    context.update(outcome=outcome, done=True)
    return render(request, LINK_PAGE, context)


def _spent(
    claim: links.LinkClaim, step: RunStep, approver: Employee
) -> tuple[str, Decision | None]:
    """Why the link can no longer decide ("withdrawn", "used": a decision was made through this
    approver's links, "decided": some other way, "changed": the order moved since the e-mail),
    with the step's decision; ("", None) while it can."""
    if step.run.state == ApprovalRun.State.WITHDRAWN:
        return "withdrawn", None  # the order was cancelled: nothing to decide
    # On a step of several sources, others' decisions leave this approver's seat to decide.
    decisions = list(Decision.objects.filter(step=step))
    own = [d for d in decisions if approver.pk in {d.decided_by_id, d.decided_for_id}]
    decision = own[0] if own else None
    if decision is None and decisions and step.seats.count() == 1:
        decision = decisions[0]
    if decision is not None:
        used = decision.channel == Decision.Channel.EMAIL_LINK and approver.pk in {
            decision.decided_by_id,
            decision.decided_for_id,
        }
        return ("used" if used else "decided"), decision
    if step.state != RunStep.State.ACTIVE:
        return "decided", None
    if links.is_stale(claim, step.run.order):
        return "changed", None
    return "", None


def _not_the_approver(request, context: dict, visitor: Employee | None):
    """403: signed in as someone else than the link's approver. Nothing is decided or audited
    (the audit names who decided; this visitor decided nothing)."""
    approver = context["approver"]
    logger.warning(
        "e-mail link of step %s (approver %s) %s by user %s: refused",
        context["step"].pk, approver.pk, "posted" if request.method == "POST" else "opened",
        request.user.pk,
    )  # fmt: skip
    stands_in = visitor is not None and approver.pk in people.deciding_for(visitor).delegator_ids
    context.update(
        problem="not_the_approver",
        visitor_name=visitor.full_name
        if visitor is not None
        else request.user.get_full_name() or request.user.get_username(),
        stands_in=stands_in,
    )
    return render(request, LINK_PAGE, context, status=403)
