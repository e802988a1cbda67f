"""`manage.py load_demo`: the demo tenants, people, catalog and configuration. Idempotent.

It lives in the approvals app because that app sits on top of the others and may use them all.
"""

from django.core.management.base import BaseCommand
from django.db import transaction

import approvals.demo
import catalog.demo
import orders.demo
import portal.demo


class Command(BaseCommand):
    help = "Load (or refresh) the demo data: tenants acme and globex, their people and catalog."

    @transaction.atomic
    def handle(self, *args, **options):
        tenants = portal.demo.load()
        catalog.demo.load(tenants)
        orders.demo.load(tenants)
        approvals.demo.load(tenants)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data loaded. Sign in as peter / {portal.demo.DEMO_PASSWORD} "
                f"(OAuth client demo-client / {portal.demo.DEMO_CLIENT_SECRET})."
            )
        )
