"""Regions say what they are (a country, or a state or province of one), and countries their
dialling code, currency and postal code pattern (MobProc `GET /regions/{id}`).

Existing rows: a region with a parent is a STATE_PROVINCE; the countries the demo knows (by ISO
code: US, CA, GB) get their dialling code, currency and postal code pattern.
"""

from django.db import migrations, models

COUNTRIES = {
    "US": ("1", "USD", "US Dollars", "$", "99999", r"^\d{5}$"),
    "CA": ("1", "CAD", "Canadian Dollars", "$", "A9A 9A9",
           r"^[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z] ?\d[ABCEGHJ-NPRSTV-Z]\d$"),
    "GB": ("44", "GBP", "Pounds Sterling", "\u00a3", "AA9A 9AA",
           r"^[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}$"),
}  # fmt: skip


def fill_existing_regions(apps, schema_editor):
    Region = apps.get_model("catalog", "Region")
    Region.objects.filter(parent__isnull=False).update(type="STATE_PROVINCE")
    for code, (dialling, currency, currency_name, symbol, pattern, regex) in COUNTRIES.items():
        Region.objects.filter(parent__isnull=True, code=code).update(
            country_code=dialling,
            currency_code=currency,
            currency_name=currency_name,
            currency_symbol=symbol,
            postal_code_pattern=pattern,
            postal_code_regex=regex,
        )


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0003_deviceasset_manufacturer_and_more'),
    ]

    operations = [
        migrations.AddField(
            model_name='region',
            name='country_code',
            field=models.CharField(blank=True, help_text='International dialling code, e.g. 1 or 44.', max_length=5),
        ),
        migrations.AddField(
            model_name='region',
            name='currency_code',
            field=models.CharField(blank=True, help_text='ISO 4217, e.g. USD.', max_length=3),
        ),
        migrations.AddField(
            model_name='region',
            name='currency_name',
            field=models.CharField(blank=True, max_length=50),
        ),
        migrations.AddField(
            model_name='region',
            name='currency_symbol',
            field=models.CharField(blank=True, max_length=5),
        ),
        migrations.AddField(
            model_name='region',
            name='postal_code_pattern',
            field=models.CharField(blank=True, help_text='A hint such as 99999 or A9A 9A9.', max_length=30),
        ),
        migrations.AddField(
            model_name='region',
            name='postal_code_regex',
            field=models.CharField(blank=True, max_length=200),
        ),
        migrations.AddField(
            model_name='region',
            name='type',
            field=models.CharField(choices=[('COUNTRY', 'Country'), ('STATE_PROVINCE', 'State or province')], default='COUNTRY', max_length=20),
        ),
        migrations.AlterField(
            model_name='region',
            name='code',
            field=models.CharField(blank=True, help_text='ISO code, e.g. US or CT (MobProc `abbreviation`).', max_length=10),
        ),
        migrations.RunPython(fill_existing_regions, migrations.RunPython.noop),
    ]
