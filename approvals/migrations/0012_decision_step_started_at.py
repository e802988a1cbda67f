"""Each decision keeps when its step started, so a decision's wait is read off its own row, and
the tenant's recent decisions with their waits off one index (an index-only scan)."""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def fill_step_started_at(apps, schema_editor):
    Decision = apps.get_model("approvals", "Decision")
    RunStep = apps.get_model("approvals", "RunStep")
    Decision.objects.update(
        step_started_at=Subquery(
            RunStep.objects.filter(pk=OuterRef("step_id")).values("started_at")[:1]
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("approvals", "0011_decision_tenant"),
    ]

    operations = [
        migrations.AddField(
            model_name="decision",
            name="step_started_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(fill_step_started_at, migrations.RunPython.noop),
        migrations.RemoveIndex(model_name="decision", name="decision_tenant_created"),
        migrations.AddIndex(
            model_name="decision",
            index=models.Index(
                fields=["tenant", "created_at"],
                include=["step_started_at"],
                name="decision_tenant_created",
            ),
        ),
    ]
