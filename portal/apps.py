from django.apps import AppConfig
from django.core import checks
from django.utils.module_loading import autodiscover_modules


class PortalConfig(AppConfig):
    name = "portal"

    def ready(self) -> None:
        import axes.signals  # noqa: F401  (connects axes' receivers, before ours below)
        from django.contrib.auth.signals import user_login_failed

        from portal import auth
        from portal import checks as portal_checks
        from portal.api import (
            schema,  # noqa: F401  (registers the OpenAPI auth extension)
            token_cache,
        )

        # The development SECRET_KEY with DEBUG off fails every check run (runserver, migrate);
        # a weak one fails `check --deploy`. gunicorn and Celery refuse both (portal.checks).
        checks.register(portal_checks.check_secret_key_set, checks.Tags.security)
        checks.register(portal_checks.check_secret_key_strength, checks.Tags.security, deploy=True)

        # The audit of refused sign-ins (portal.auth). Receivers run in the order they were
        # connected: after axes has counted the failure, this one reads what it decided.
        user_login_failed.connect(auth.on_sign_in_failed, dispatch_uid="portal.sign_in_failed")

        # Drop a kept API authentication whenever what it was made of changes.
        token_cache.connect()

        # Register every app's Celery tasks in this process too, not only in workers: the
        # outbox publishes by task name, and eager mode runs tasks here.
        autodiscover_modules("tasks")
