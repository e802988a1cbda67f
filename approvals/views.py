"""Manager pages: the approvals inbox, deciding one order or several, delegation while away; and
deciding from the approval e-mail's signed links.

Every decision goes through services.decide, the same call the API makes; these views parse,
call and show the outcome or the refusal.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core import signing
from django.core.paginator import Paginator
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce, Concat
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.timesince import timesince
from django.views.decorators.http import require_http_methods, require_POST

from approvals import forms, links, services
from approvals.models import ApprovalRun, Decision, RunStep
from orders import selectors as order_selectors
from orders.models import Order, OrderHistory, OrderItem, OrderSegment
from portal import selectors as people
from portal import services as portal_services
from portal.exceptions import DomainError, RequestInvalid
from portal.models import Delegation, Employee
from portal.pages import employee_required, problems_by_field

logger = logging.getLogger(__name__)

INBOX_PAGE_SIZE = 25
DECIDED_PAGE_SIZE = 20
# A wait longer than this is flagged in the inbox.
OVERDUE_AFTER = timedelta(days=1)
# Decisions made in the browser are audited with this client id (the API records the caller's).
CLIENT_ID = "web"
# Problems of a refused decision, kept in the session for the page the user goes back to:
# {order id: {"errors": {field: [messages]}, "reason": what was typed}}.
PROBLEMS_KEY = "approvals.decision_problems"
BULK_RESULTS_KEY = "approvals.bulk_results"


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
    decision = Decision.objects.filter(step=step).first()
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
    stands_in = visitor is not None and (
        Delegation.objects.in_force().filter(delegate=visitor, employee=approver).exists()
    )
    context.update(
        problem="not_the_approver",
        visitor_name=visitor.full_name
        if visitor is not None
        else request.user.get_full_name() or request.user.get_username(),
        stands_in=stands_in,
    )
    return render(request, LINK_PAGE, context, status=403)


# --- The inbox ---------------------------------------------------------------------------------


@employee_required
def inbox(request):
    """Orders waiting for the employee's decision (oldest first), or those they decided."""
    employee = request.employee
    tab = "decided" if request.GET.get("tab") == "decided" else "waiting"
    query = request.GET.get("q", "").strip()[:100]
    waiting = _waiting_for(employee, query)
    decided = _decided_by(employee, query)
    standing_in_for = list(
        Delegation.objects.in_force()
        .filter(delegate=employee, tenant_id=employee.tenant_id)
        .select_related("employee")
        .order_by("ends_on")
    )
    context = {"tab": tab, "q": query, "standing_in_for": standing_in_for}
    if tab == "waiting":
        page = Paginator(waiting, INBOX_PAGE_SIZE).get_page(request.GET.get("page"))
        rows = list(page.object_list)
        _describe_waiting(rows, employee, standing_in_for, request.session.pop(PROBLEMS_KEY, {}))
        context.update(waiting_count=page.paginator.count, decided_count=decided.count())
    else:
        page = Paginator(decided, DECIDED_PAGE_SIZE).get_page(request.GET.get("page"))
        rows = list(page.object_list)
        for decision in rows:
            order = decision.step.run.order
            decision.items = [item for s in order.segments.all() for item in s.items.all()]
        context.update(waiting_count=waiting.count(), decided_count=page.paginator.count)
    context.update(page=page, rows=rows, page_query=_page_query(tab, query))
    return render(request, "approvals/inbox.html", context)


def _search(items: QuerySet, query: str, order_path: str = "") -> QuerySet:
    """Filter by order number ("123" or "#123") or by the requester's name."""
    query = query.lstrip("#").strip()
    if not query:
        return items
    first, last = f"{order_path}requested_by__first_name", f"{order_path}requested_by__last_name"
    items = items.alias(requester_name=Concat(first, Value(" "), last))
    match = Q(requester_name__icontains=query)
    if query.isdigit() and len(query) <= 18:
        match |= Q(**{f"{order_path}pk": int(query)})
    return items.filter(match)


def _waiting_for(employee: Employee, query: str) -> QuerySet[Order]:
    """The inbox rows, with everything they show, in a fixed number of queries."""
    started = OrderHistory.objects.filter(order=OuterRef("pk"), event="approval_step_started")
    active = RunStep.objects.filter(run__order=OuterRef("pk"), state=RunStep.State.ACTIVE)
    steps = (
        RunStep.objects.filter(run__order=OuterRef("pk"))
        .order_by()
        .values("run")
        .annotate(n=Count("pk"))
        .values("n")
    )
    orders = _search(order_selectors.awaiting_decision_by(employee), query)
    return (
        order_selectors.with_details(orders, approvers=True)
        .select_related("approval_run")
        .annotate(
            waiting_since=Coalesce(
                Subquery(started.order_by("-created_at", "-id").values("created_at")[:1]),
                F("updated_at"),
            ),
            step_level=Subquery(active.values("position")[:1]),
            step_description=Subquery(active.values("description")[:1]),
            step_count=Subquery(steps[:1]),
            # Decided, not applied yet (the worker is about to): no second decision offered.
            decision_recorded=Exists(
                Decision.objects.filter(
                    step__run__order=OuterRef("pk"), step__state=RunStep.State.ACTIVE
                )
            ),
        )
        .order_by("waiting_since", "pk")
    )


def _describe_waiting(
    orders: list[Order], employee: Employee, standing_in_for: list[Delegation], problems: dict
) -> None:
    now = timezone.now()
    delegators = {d.employee_id for d in standing_in_for}
    for order in orders:
        order.items = [item for s in order.segments.all() for item in s.items.all()]
        pending = order.pending_approvers
        mine = any(a.employee_id == employee.pk for a in pending)
        order.on_behalf_of = (
            [] if mine else [a.employee for a in pending if a.employee_id in delegators]
        )
        waited = now - order.waiting_since
        order.overdue = waited > OVERDUE_AFTER
        order.waited = (
            "just now"
            if waited < timedelta(minutes=1)
            else timesince(order.waiting_since, now, depth=1)
        )
        order.problems = problems.get(str(order.pk))


def _decided_by(employee: Employee, query: str) -> QuerySet[Decision]:
    """Decisions the employee made or that were made for them (by a delegate), newest first."""
    decisions = Decision.objects.filter(
        Q(decided_by=employee) | Q(decided_for=employee), step__run__tenant_id=employee.tenant_id
    )
    segments = OrderSegment.objects.prefetch_related(
        Prefetch("items", queryset=OrderItem.objects.only("id", "segment_id", "name", "position"))
    )
    return (
        _search(decisions, query, order_path="step__run__order__")
        .select_related("step__run__order__requested_by__department", "decided_by", "decided_for")
        .prefetch_related(Prefetch("step__run__order__segments", queryset=segments))
        .order_by("-created_at", "-pk")
    )


def _page_query(tab: str, query: str) -> str:
    """The query string of the other pages of the same list (tab and search kept)."""
    params = {"tab": "decided"} if tab == "decided" else {}
    if query:
        params["q"] = query
    return urlencode(params)


# --- Deciding ----------------------------------------------------------------------------------


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
    try:
        outcome = services.decide(_decision_request(request, order, data))
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
    messages.add_message(request, level, f"{text} (order #{order.pk}).")
    return redirect(back)


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


def _decision_request(request, order: Order, data: dict) -> services.DecisionRequest:
    return services.DecisionRequest(
        order=order,
        actor=request.employee,
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
        "reason": reason[: forms.MAX_REASON],
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
        return render(request, "approvals/bulk_result.html", results)
    form = forms.BulkDecisionForm(request.POST)
    if not form.is_valid():
        for texts in form.errors.values():
            for text in texts:
                messages.error(request, text)
        return redirect(_next_url(request))
    data = form.cleaned_data
    employee = request.employee
    orders = order_selectors.with_summary(
        Order.objects.filter(tenant_id=employee.tenant_id, pk__in=data["order"])
    ).in_bulk()
    results = []
    for pk in data["order"]:
        order = orders.get(pk)
        result = {"order_id": pk, "kind": "bad", "label": "Not found", "detail": ""}
        if order is not None:
            result.update(
                requester=order.requested_by.full_name,
                cost=f"{order.cost_onetime} {order.currency}",
            )
            try:
                outcome = services.decide(_decision_request(request, order, data))
            except RequestInvalid as exc:
                result.update(
                    label="Reason required", detail=" ".join(p.message for p in exc.problems)
                )
            except DomainError as exc:
                result.update(label="Refused", detail=exc.message)
            else:
                kind, label = BULK_RESULTS[outcome]
                result.update(kind=kind, label=label, outcome=str(outcome))
        else:
            result["detail"] = "There is no such order in your company."
        results.append(result)
    request.session[BULK_RESULTS_KEY] = {
        "action": data["action"],
        "reason": data["reason"],
        "results": results,
        "recorded": sum(r["kind"] == "ok" for r in results),
        "retry_ids": [r["order_id"] for r in results if r["label"] == "Reason required"],
    }
    return redirect("approvals:bulk")


# --- Delegation --------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@employee_required
def delegation_list(request):
    """The employee's delegates (current, upcoming, past), naming a new one, and whose
    approvals the employee sees as a delegate."""
    employee = request.employee
    today = timezone.localdate()
    initial = {"starts_on": today, "ends_on": today + timedelta(days=7)}
    form = forms.DelegationForm(request.POST or None, employee=employee, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            portal_services.add_delegation(
                employee=employee,
                delegate=data["delegate"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                actor=employee,
            )
        except RequestInvalid as exc:
            for field, texts in problems_by_field(exc.problems).items():
                for text in texts:
                    form.add_error(field if field in form.fields else None, text)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            name, starts = data["delegate"].full_name, date_format(data["starts_on"], "M j")
            ends = date_format(data["ends_on"], "M j")
            when = f"on {starts}" if starts == ends else f"from {starts} to {ends}"
            messages.success(request, f"{name} decides your approvals {when}.")
            return redirect("approvals:delegation")
    mine = list(
        Delegation.objects.filter(employee=employee)
        .select_related("delegate__department")
        .order_by("starts_on", "ends_on")
    )
    context = {
        "form": form,
        "today": today,
        "current": [d for d in mine if d.starts_on <= today <= d.ends_on],
        "upcoming": [d for d in mine if d.starts_on > today],
        "past": [d for d in reversed(mine) if d.ends_on < today][:10],
        "for_me": list(
            Delegation.objects.filter(delegate=employee, ends_on__gte=today)
            .select_related("employee__department")
            .order_by("starts_on", "ends_on")
        ),
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "approvals/delegation.html", context, status=status)


@require_POST
@employee_required
def delegation_withdraw(request, pk: int):
    """End a delegation now (its employee, or a tenant admin)."""
    employee = request.employee
    delegation = get_object_or_404(
        Delegation.objects.filter(tenant_id=employee.tenant_id).select_related("delegate"), pk=pk
    )
    try:
        portal_services.end_delegation(delegation=delegation, actor=employee)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{delegation.delegate.full_name} no longer decides for you.")
    return redirect("approvals:delegation")
