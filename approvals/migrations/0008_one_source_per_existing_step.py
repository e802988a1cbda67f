"""Parallel approval steps, part 2 (data): every existing step becomes a one-source step (its
kind, manager levels, hierarchy, group, employee as source 1; rule ANY, reject when ANY: what it
did), every run step gets its one seat (its approvers: the step's orders.OrderApprover rows; its
state from the step's; its decision, if any), and delays go from hours to minutes."""

from django.db import migrations
from django.db.models import F

SOURCE = ("kind", "manager_levels", "hierarchy_id", "group_id", "employee_id")
SEAT_STATE = {
    "waiting": "waiting",
    "active": "open",
    "approved": "approved",
    "rejected": "rejected",
    "withdrawn": "closed",
}


def forwards(apps, schema_editor):
    ApprovalStep = apps.get_model("approvals", "ApprovalStep")
    ApprovalStepSource = apps.get_model("approvals", "ApprovalStepSource")
    RunStep = apps.get_model("approvals", "RunStep")
    RunSeat = apps.get_model("approvals", "RunSeat")
    Decision = apps.get_model("approvals", "Decision")
    OrderApprover = apps.get_model("orders", "OrderApprover")
    for model in (ApprovalStep, RunStep):
        model.objects.update(
            reminder_delay_minutes=F("reminder_delay_minutes") * 60,
            escalation_delay_minutes=F("escalation_delay_minutes") * 60,
        )
    ApprovalStepSource.objects.bulk_create(
        (
            ApprovalStepSource(step_id=step.pk, position=1, **{f: getattr(step, f) for f in SOURCE})
            for step in ApprovalStep.objects.iterator(chunk_size=1000)
        ),
        batch_size=1000,
    )
    Through = RunSeat.approvers.through
    for step in RunStep.objects.select_related("run").iterator(chunk_size=1000):
        seat = RunSeat.objects.create(
            step_id=step.pk,
            position=1,
            description=step.description,
            state=SEAT_STATE.get(step.state, "closed"),
            **{f: getattr(step, f) for f in SOURCE},
        )
        employees = OrderApprover.objects.filter(
            order_id=step.run.order_id, level=step.position
        ).values_list("employee_id", flat=True)
        Through.objects.bulk_create(
            [Through(runseat_id=seat.pk, employee_id=pk) for pk in employees]
        )
        Decision.objects.filter(step_id=step.pk).update(seat_id=seat.pk)


def backwards(apps, schema_editor):
    """Back to one rule per step: its first source's (the fields are back by now)."""
    ApprovalStep = apps.get_model("approvals", "ApprovalStep")
    RunStep = apps.get_model("approvals", "RunStep")
    for model, sources in ((ApprovalStep, "sources"), (RunStep, "seats")):
        for step in model.objects.prefetch_related(sources).iterator(chunk_size=1000):
            first = next(iter(getattr(step, sources).all()), None)
            if first is not None:
                for field in SOURCE:
                    setattr(step, field, getattr(first, field))
                step.save()
        model.objects.update(
            reminder_delay_minutes=F("reminder_delay_minutes") / 60,
            escalation_delay_minutes=F("escalation_delay_minutes") / 60,
        )


class Migration(migrations.Migration):

    dependencies = [
        ("approvals", "0007_parallel_steps"),
        ("orders", "0009_list_indexes"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
