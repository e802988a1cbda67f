"""Vendors say what they are (`type`: CARRIER, RESELLER, OTHER; MobProc `/vendors?type=`), the
channel access method of their network (`accessMethod`, MobProc 1.1.0) and the region they serve.

Existing rows: every vendor so far is a carrier (the default); the region is the United States
(the country with ISO code US) when that region exists, the only country the catalog served
before this; the access method stays blank (unknown) until an admin sets it.
"""

import django.db.models.deletion
from django.db import migrations, models


def fill_existing_vendors(apps, schema_editor):
    Region = apps.get_model("catalog", "Region")
    Vendor = apps.get_model("catalog", "Vendor")
    us = Region.objects.filter(code="US", parent__isnull=True).first()
    if us is not None:
        Vendor.objects.filter(region__isnull=True).update(region=us)


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0004_region_type_currency_postal_code'),
    ]

    operations = [
        migrations.AddField(
            model_name='vendor',
            name='access_method',
            field=models.CharField(blank=True, help_text="The network's channel access method: CDMA, GSM...", max_length=20),
        ),
        migrations.AddField(
            model_name='vendor',
            name='region',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='vendors', to='catalog.region'),
        ),
        migrations.AddField(
            model_name='vendor',
            name='type',
            field=models.CharField(choices=[('CARRIER', 'Carrier'), ('RESELLER', 'Reseller'), ('OTHER', 'Other')], default='CARRIER', max_length=20),
        ),
        migrations.RunPython(fill_existing_vendors, migrations.RunPython.noop),
    ]
