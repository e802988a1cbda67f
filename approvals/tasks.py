"""Approval tasks. Each takes ids, loads rows and calls approvals.services; each is idempotent,
so a redelivered or republished message changes nothing the second time."""

from celery import shared_task

from approvals import reminders, services

RETRY = {"autoretry_for": (Exception,), "retry_backoff": True, "max_retries": 5}


@shared_task(name=services.ROUTE_TASK, ignore_result=True, **RETRY)
def route_order(order_id: int) -> None:
    """Route a submitted order: start its approval run, or approve it when no workflow applies."""
    services.route_order(order_id)


@shared_task(name=services.APPLY_TASK, ignore_result=True, **RETRY)
def apply_decision(decision_id: int) -> None:
    """Apply a stored decision to its run and order."""
    services.apply_decision(decision_id)


@shared_task(name="approvals.record_fulfilment_failure", ignore_result=True, **RETRY)
def record_fulfilment_failure(order_id: int) -> None:
    """Close the approval run of an order a vendor refused, with the vendor's answer.

    Nothing queues this any more: orders publishes `order_failed` and the run is closed in the
    vendor failure's own transaction. Kept for the messages stored before that (outbox rows
    not done yet are published again by name, and brokers may still hold some); the service
    is idempotent, so such a late message changes nothing where the event already did it.
    """
    services.record_fulfilment_failure(order_id)


@shared_task(name="approvals.remind", ignore_result=True, **RETRY)
def remind(step_id: int) -> None:
    reminders.remind(step_id)


@shared_task(name="approvals.escalate", ignore_result=True, **RETRY)
def escalate(step_id: int) -> None:
    reminders.escalate(step_id)


@shared_task(name="approvals.sweep_due_steps", ignore_result=True)
def sweep_due_steps() -> int:
    """Beat: queue the reminders and escalations that are due (due times live in the database,
    never in long countdowns that Redis would redeliver)."""
    due_reminders, due_escalations = reminders.steps_due()
    for step_id in due_reminders:
        remind.delay(step_id)
    for step_id in due_escalations:
        escalate.delay(step_id)
    return len(due_reminders) + len(due_escalations)
