"""Django's runserver (static files by whitenoise), keeping the MobProc `client_id` header."""

from whitenoise.runserver_nostatic.management.commands.runserver import Command as BaseRunserver

from portal.servers import ClientIdWSGIServer


class Command(BaseRunserver):
    server_cls = ClientIdWSGIServer
