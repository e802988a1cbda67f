from django.apps import AppConfig
from django.core import checks
from django.utils.module_loading import autodiscover_modules


class PortalConfig(AppConfig):
    name = "portal"

    def ready(self) -> None:
        from portal import checks as portal_checks
        from portal.api import schema  # noqa: F401  (registers the OpenAPI auth extension)

        # The development SECRET_KEY with DEBUG off fails every check run (runserver, migrate);
        # a weak one fails `check --deploy`. gunicorn and Celery refuse both (portal.checks).
        checks.register(portal_checks.check_secret_key_set, checks.Tags.security)
        checks.register(portal_checks.check_secret_key_strength, checks.Tags.security, deploy=True)

        # Register every app's Celery tasks in this process too, not only in workers: the
        # outbox publishes by task name, and eager mode runs tasks here.
        autodiscover_modules("tasks")
