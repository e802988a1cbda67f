"""A bare Django + DRF app reading one row: the floor the product's API figures are read against.

Served by gunicorn from bench/api.py (`gunicorn bare:application --chdir bench`), on the same
database, with the same persistent connections.
"""

import os

import dj_database_url
from django.conf import settings

settings.configure(
    DEBUG=False,
    SECRET_KEY="bench-only",
    ALLOWED_HOSTS=["*"],
    ROOT_URLCONF=__name__,
    INSTALLED_APPS=["rest_framework"],
    MIDDLEWARE=[],
    DATABASES={
        "default": dj_database_url.parse(
            os.environ["DATABASE_URL"], conn_max_age=60, conn_health_checks=True
        )
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
from rest_framework.response import Response  # noqa: E402
from rest_framework.views import APIView  # noqa: E402


class OneRow(APIView):
    def get(self, request):
        with connection.cursor() as cursor:
            cursor.execute("SELECT id, slug, name FROM portal_tenant ORDER BY id LIMIT 1")
            row = cursor.fetchone()
        return Response({"id": row[0], "slug": row[1], "name": row[2]})


urlpatterns = [path("row", OneRow.as_view())]
application = get_wsgi_application()
