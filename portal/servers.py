"""Make the MobProc `client_id` header reach the application through the servers we ship.

HTTP header names with underscores are dropped by Django's development server and by gunicorn's
default `header_map` (both guard against `client_id` and `client-id` being confused once turned
into the CGI variable HTTP_CLIENT_ID). MobProc clients send `client_id`, so we keep it: for us
both spellings mean the same header.
"""

from django.core.servers.basehttp import WSGIRequestHandler, WSGIServer

KEPT_UNDERSCORE_HEADERS = {"client_id"}


class ClientIdRequestHandler(WSGIRequestHandler):
    def get_environ(self):
        # Rename kept headers to their dash spelling before Django drops underscored ones.
        for name in list(self.headers):
            if name.lower() in KEPT_UNDERSCORE_HEADERS:
                value = self.headers[name]
                del self.headers[name]
                self.headers[name.replace("_", "-")] = value
        return super().get_environ()


class ClientIdWSGIServer(WSGIServer):
    def __init__(self, server_address, handler_class, *args, **kwargs):
        if handler_class is WSGIRequestHandler:
            handler_class = ClientIdRequestHandler
        super().__init__(server_address, handler_class, *args, **kwargs)
