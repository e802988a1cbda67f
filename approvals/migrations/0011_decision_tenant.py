"""Each decision keeps its run's tenant, so a tenant's recent decisions are read off one index."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def fill_tenant(apps, schema_editor):
    Decision = apps.get_model("approvals", "Decision")
    RunStep = apps.get_model("approvals", "RunStep")
    Decision.objects.update(
        tenant_id=Subquery(
            RunStep.objects.filter(pk=OuterRef("step_id")).values("run__tenant_id")[:1]
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("approvals", "0010_decision_audit_newest_index"),
        ("portal", "0009_employee_updated_at_custom_attributes"),
    ]

    operations = [
        migrations.AddField(
            model_name="decision",
            name="tenant",
            field=models.ForeignKey(
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="portal.tenant",
            ),
        ),
        migrations.RunPython(fill_tenant, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="decision",
            name="tenant",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="portal.tenant",
            ),
        ),
        migrations.AddIndex(
            model_name="decision",
            index=models.Index(fields=["tenant", "created_at"], name="decision_tenant_created"),
        ),
    ]
