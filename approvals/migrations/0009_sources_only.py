"""Parallel approval steps, part 3: a step's sources live in their own rows only; every decision
fills a seat (one per seat), and a person counts once per step."""

import django.db.models.deletion
from django.db import migrations, models


KINDS = [
    ("MANAGER", "The requester's manager, N levels up"),
    ("GROUP", "Any member of an approver group"),
    ("EMPLOYEE", "A named employee"),
]


def without_source(model_name):
    return [
        migrations.RemoveField(model_name=model_name, name=name)
        for name in ("kind", "manager_levels", "hierarchy", "group", "employee")
    ]


class Migration(migrations.Migration):

    dependencies = [
        ("approvals", "0008_one_source_per_existing_step"),
    ]

    operations = [
        # A default only so that the removal can be reversed (0008 then copies the first
        # source back); nothing changes in the database.
        *(
            migrations.AlterField(
                model_name=model_name,
                name="kind",
                field=models.CharField(choices=KINDS, default="MANAGER", max_length=10),
            )
            for model_name in ("approvalstep", "runstep")
        ),
        *without_source("approvalstep"),
        *without_source("runstep"),
        migrations.AlterField(
            model_name="decision",
            name="seat",
            field=models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name="decision", to="approvals.runseat"),
        ),
        migrations.AddConstraint(
            model_name="decision",
            constraint=models.UniqueConstraint(fields=("step", "decided_for"), name="decision_once_per_step"),
        ),
        migrations.AddConstraint(
            model_name="approvalstep",
            constraint=models.CheckConstraint(condition=models.Q(("rule", "AT_LEAST"), _negated=True) | models.Q(("required__gte", 1)), name="step_required_for_at_least"),
        ),
    ]
