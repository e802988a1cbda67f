"""The rules of deciding approvals: who may never check an order (maker-checker), who may be an
approver at all, and what a reason must be.

Plain functions that return the problem (or None), with no writes; the services, the forms, the
API serializers and the pages call them alike. Whom a person decides for (themselves and their
delegators) is portal.selectors.deciding_for; who approves a step, routing.approvers_for and
routing.escalation_approvers.
"""

from __future__ import annotations

from collections.abc import Iterable

from approvals.exceptions import MakerCannotCheck
from portal.exceptions import FieldProblem
from portal.models import Employee

# --- Maker-checker --------------------------------------------------------------------------


def makers(*employee_ids: int | None) -> frozenset[int]:
    """The makers of an order from who ordered, whom it is for (the line's holder) and who
    placed it for them (None when nobody did); Order.maker_ids is the same set of a stored
    order, and drafts (previews) use this."""
    return frozenset(pk for pk in employee_ids if pk is not None)


def maker_checker_problem(
    makers: frozenset[int], *people: Employee | None
) -> MakerCannotCheck | None:
    """Maker-checker: MakerCannotCheck when any of `people` is a maker of the order, else None.

    `people` are everyone a decision involves: who acts, who really called when acting for
    someone else (a tenant admin, a delegate through the API's context headers), and the
    approver it counts for (a delegate's delegator). None entries are skipped."""
    if any(person is not None and person.pk in makers for person in people):
        return MakerCannotCheck("The requester can never decide their own order.")
    return None


def eligible_approvers(candidates: Iterable[Employee], makers: frozenset[int]) -> list[Employee]:
    """Of the candidates, who may be an approver of an order: active employees who are not its
    makers, each once, in the candidates' order. Routing a step and escalating it both ask."""
    eligible: dict[int, Employee] = {}
    for employee in candidates:
        if employee.status == Employee.Status.ACTIVE and employee.pk not in makers:
            eligible.setdefault(employee.pk, employee)
    return list(eligible.values())


# --- Reasons ---------------------------------------------------------------------------------

# The longest reason a decision may give, on every interface (pages, e-mail links, API).
MAX_REASON = 2000
REASON_TOO_LONG = f"Keep the reason to {MAX_REASON} characters or fewer."


def reason_length_problem(reason: str | None) -> FieldProblem | None:
    """A reason longer than MAX_REASON is refused (never cut short): the problem, else None."""
    if reason and len(reason) > MAX_REASON:
        return FieldProblem("reason", "TOO_LONG", REASON_TOO_LONG)
    return None


def reason_problems(
    reason: str, *, approving: bool, required_to_approve: bool, required_to_reject: bool
) -> list[FieldProblem]:
    """What is wrong with a decision's reason: too long, or missing where the run (as it was
    routed) requires one for this action. Empty: it is fine."""
    too_long = reason_length_problem(reason)
    if too_long:
        return [too_long]
    required = required_to_approve if approving else required_to_reject
    if required and not reason.strip():
        verb = "approve" if approving else "reject"
        return [FieldProblem("reason", "REQUIRED", f"A reason is required to {verb} this order.")]
    return []
