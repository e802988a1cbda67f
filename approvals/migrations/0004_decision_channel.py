"""Record the channel a decision was sent from (the pages, the API, an e-mailed link).

Decisions made before are given the channel their client_id tells ("web": the pages,
"email-link": an e-mailed link, anything else: the API). The decision audit is append-only (the
database refuses UPDATE on it, see 0002), so its earlier rows keep NULL: not recorded.
"""

from django.db import migrations, models

CHANNELS = [("PAGE", "on the portal's pages"), ("API", "through the API"),
            ("EMAIL_LINK", "by e-mail link")]  # fmt: skip
BY_CLIENT_ID = {"web": "PAGE", "email-link": "EMAIL_LINK"}


def derive_channels(apps, schema_editor):
    Decision = apps.get_model("approvals", "Decision")
    for client_id, channel in BY_CLIENT_ID.items():
        Decision.objects.filter(client_id=client_id).update(channel=channel)


class Migration(migrations.Migration):
    dependencies = [("approvals", "0003_withdrawn")]

    operations = [
        migrations.AddField(
            model_name="decision",
            name="channel",
            field=models.CharField(choices=CHANNELS, default="API", max_length=12),
            preserve_default=False,
        ),
        migrations.RunPython(derive_channels, migrations.RunPython.noop),
        # Nullable, without a default: a plain ADD COLUMN on every database (SQLite would
        # otherwise rebuild the table and lose its append-only triggers).
        migrations.AddField(
            model_name="decisionaudit",
            name="channel",
            field=models.CharField(blank=True, choices=CHANNELS, max_length=12, null=True),
        ),
    ]
