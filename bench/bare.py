"""A bare Django + DRF app: the floors the product's API figures are read against.

`GET /row` reads one row. `POST /write` is the floor of a decision: in one transaction it inserts
a row and makes two guarded updates, then puts a message on Redis once it commits (the nudge a
stored decision sends). Its table, `bench_write`, is made by bench/api.py with parent rows 1 to
BENCH_WRITE_PARENTS; each write updates one at random, as decisions lock one order each.

Served by gunicorn from bench/api.py (`gunicorn bare:application --chdir bench`, with Procure's
gunicorn.conf.py), on the same database, connected as Procure connects.
"""

import os
import random

import dj_database_url
import redis
from django.conf import settings

settings.configure(
    DEBUG=False,
    SECRET_KEY="bench-only",
    ALLOWED_HOSTS=["*"],
    ROOT_URLCONF=__name__,
    INSTALLED_APPS=["rest_framework"],
    MIDDLEWARE=[],
    DATABASES={
        # As portal/settings.py connects: persistent, checked, statements bound and prepared by
        # the server.
        "default": {
            **dj_database_url.parse(
                os.environ["DATABASE_URL"], conn_max_age=60, conn_health_checks=True
            ),
            "OPTIONS": {"server_side_binding": True, "prepare_threshold": 5},
        }
    },
    REST_FRAMEWORK={
        "DEFAULT_AUTHENTICATION_CLASSES": [],
        "DEFAULT_PERMISSION_CLASSES": [],
        "UNAUTHENTICATED_USER": None,
    },
)

import django  # noqa: E402

django.setup()

from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.db import connection  # noqa: E402
from django.urls import path  # noqa: E402
from floors import guarded_write  # noqa: E402
from rest_framework.response import Response  # noqa: E402
from rest_framework.views import APIView  # noqa: E402


class OneRow(APIView):
    def get(self, request):
        with connection.cursor() as cursor:
            cursor.execute("SELECT id, slug, name FROM portal_tenant ORDER BY id LIMIT 1")
            row = cursor.fetchone()
        return Response({"id": row[0], "slug": row[1], "name": row[2]})


NUDGES = redis.Redis.from_url(os.environ["REDIS_URL"])
PARENTS = int(os.environ.get("BENCH_WRITE_PARENTS", 1))


class GuardedWrite(APIView):
    def post(self, request):
        guarded_write(connection, NUDGES, parent=random.randint(1, PARENTS))
        return Response({"status": "QUEUED"})


urlpatterns = [path("row", OneRow.as_view()), path("write", GuardedWrite.as_view())]
application = get_wsgi_application()
