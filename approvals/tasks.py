"""Approval tasks. Each takes ids, loads rows and calls approvals.services; each is idempotent,
so a redelivered or republished message changes nothing the second time."""

from celery import shared_task

from approvals import services

RETRY = {"autoretry_for": (Exception,), "retry_backoff": True, "max_retries": 5}


@shared_task(name=services.ROUTE_TASK, ignore_result=True, **RETRY)
def route_order(order_id: int) -> None:
    """Route a submitted order: start its approval run, or approve it when no workflow applies."""
    services.route_order(order_id)


@shared_task(name=services.APPLY_TASK, ignore_result=True, **RETRY)
def apply_decision(decision_id: int) -> None:
    """Apply a stored decision to its run and order."""
    services.apply_decision(decision_id)
