from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class PortalConfig(AppConfig):
    name = "portal"

    def ready(self) -> None:
        from portal.api import schema  # noqa: F401  (registers the OpenAPI auth extension)

        # Register every app's Celery tasks in this process too, not only in workers: the
        # outbox publishes by task name, and eager mode runs tasks here.
        autodiscover_modules("tasks")
