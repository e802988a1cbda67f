from django.apps import AppConfig


class ApprovalsConfig(AppConfig):
    name = "approvals"
    verbose_name = "Approvals"

    def ready(self) -> None:
        # Orders cannot call approvals (apps depend one way): it publishes these events, inside
        # its own transaction, and approvals handles them there (docs/ARCHITECTURE.md, Events).
        from approvals import services
        from portal import events

        events.subscribe(events.ORDER_SUBMITTED, services.queue_routing)
        events.subscribe(events.ORDER_CANCELLED, services.withdraw_run)
        events.subscribe(events.ORDER_FAILED, services.fail_run)
