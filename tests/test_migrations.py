"""Every model change has its migration: a deploy migrates exactly what the code expects."""

import io

from django.core.management import call_command


def test_no_model_change_lacks_a_migration(db):
    out = io.StringIO()

    # --check exits non-zero (SystemExit) when a migration is missing; --dry-run writes nothing.
    call_command("makemigrations", "--check", "--dry-run", stdout=out)

    assert "No changes detected" in out.getvalue()
