from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "orders"

    def ready(self) -> None:
        from orders import notifications
        from portal import events

        # A delegate is told whom they decide for (portal publishes, orders sends e-mails).
        events.subscribe(events.DELEGATION_ADDED, notifications.notify_delegate)
