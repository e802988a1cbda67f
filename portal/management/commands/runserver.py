"""Django's runserver (static files by whitenoise), keeping the MobProc `client_id` header, and
running the beat schedule in-process when there is no broker (portal.embedded)."""

from whitenoise.runserver_nostatic.management.commands.runserver import Command as BaseRunserver

from portal import embedded
from portal.servers import ClientIdWSGIServer


class Command(BaseRunserver):
    server_cls = ClientIdWSGIServer

    def on_bind(self, server_port) -> None:
        super().on_bind(server_port)
        # Called in the process that serves, once its port is bound: not in the autoreloader's
        # parent, and not at all when another server holds the port.
        embedded.start()
