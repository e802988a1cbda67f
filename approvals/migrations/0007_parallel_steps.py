"""Parallel approval steps, part 1: the sources of a step (ApprovalStepSource), the seats of a
run's step (RunSeat), the step's policy (rule, required, reject_when), delays in minutes, and
Decision.seat (filled by 0008, required by 0009)."""

import django.db.models.deletion
from django.db import migrations, models

SOURCE_FIELDS = [
    ("kind", models.CharField(choices=[("MANAGER", "The requester's manager, N levels up"), ("GROUP", "Any member of an approver group"), ("EMPLOYEE", "A named employee")], max_length=10)),
    ("manager_levels", models.PositiveSmallIntegerField(default=1)),
]


def source_fks():
    return [
        ("hierarchy", models.ForeignKey(blank=True, help_text="For MANAGER sources; empty: the reporting line.", null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to="portal.hierarchy")),
        ("group", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to="portal.employeegroup")),
        ("employee", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to="portal.employee")),
    ]


def policy_fields(model_name):
    return [
        migrations.AddField(model_name=model_name, name="rule", field=models.CharField(choices=[("ANY", "Any one source approves"), ("ALL", "Every source approves"), ("AT_LEAST", "At least N sources approve")], default="ANY", max_length=10)),
        migrations.AddField(model_name=model_name, name="required", field=models.PositiveSmallIntegerField(blank=True, help_text="For AT_LEAST: how many sources must approve.", null=True)),
        migrations.AddField(model_name=model_name, name="reject_when", field=models.CharField(choices=[("ANY", "One rejection rejects"), ("MAJORITY", "A majority of rejections rejects")], default="ANY", max_length=10)),
        migrations.RenameField(model_name=model_name, old_name="reminder_delay_hours", new_name="reminder_delay_minutes"),
        migrations.RenameField(model_name=model_name, old_name="escalation_delay_hours", new_name="escalation_delay_minutes"),
    ]


class Migration(migrations.Migration):

    dependencies = [
        ("approvals", "0006_list_indexes"),
        ("portal", "0007_sign_in_event"),
    ]

    operations = [
        # The check moves to the sources (constraint names are unique across models).
        migrations.RemoveConstraint(model_name="approvalstep", name="step_names_its_approvers"),
        migrations.CreateModel(
            name="ApprovalStepSource",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                *SOURCE_FIELDS,
                *source_fks(),
                ("position", models.PositiveSmallIntegerField()),
                ("step", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="sources", to="approvals.approvalstep")),
            ],
            options={"ordering": ["position"]},
        ),
        migrations.AddConstraint(
            model_name="approvalstepsource",
            constraint=models.UniqueConstraint(fields=("step", "position"), name="step_source_unique_position"),
        ),
        migrations.AddConstraint(
            model_name="approvalstepsource",
            constraint=models.CheckConstraint(condition=models.Q(models.Q(("kind", "MANAGER"), ("manager_levels__gte", 1)), models.Q(("group__isnull", False), ("kind", "GROUP")), models.Q(("employee__isnull", False), ("kind", "EMPLOYEE")), _connector="OR"), name="step_names_its_approvers"),
        ),
        migrations.CreateModel(
            name="RunSeat",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                *SOURCE_FIELDS,
                *source_fks(),
                ("position", models.PositiveSmallIntegerField()),
                ("description", models.CharField(max_length=200)),
                ("state", models.CharField(choices=[("waiting", "Waiting"), ("open", "Open"), ("approved", "Approved"), ("rejected", "Rejected"), ("closed", "Closed")], default="waiting", max_length=10)),
                ("approvers", models.ManyToManyField(blank=True, related_name="+", to="portal.employee")),
                ("step", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="seats", to="approvals.runstep")),
            ],
            options={"ordering": ["position"]},
        ),
        migrations.AddConstraint(
            model_name="runseat",
            constraint=models.UniqueConstraint(fields=("step", "position"), name="runseat_unique_position"),
        ),
        *policy_fields("approvalstep"),
        *policy_fields("runstep"),
        migrations.AlterField(
            model_name="decision",
            name="step",
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="decisions", to="approvals.runstep"),
        ),
        migrations.AddField(
            model_name="decision",
            name="seat",
            field=models.OneToOneField(null=True, on_delete=django.db.models.deletion.CASCADE, related_name="decision", to="approvals.runseat"),
        ),
    ]
