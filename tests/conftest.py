"""Shared fixtures: the demo world, persona employees, and API clients with real OAuth tokens."""

from __future__ import annotations

import io
import os
import secrets
import shutil
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.utils import timezone
from oauth2_provider.models import AccessToken, set_token_value
from rest_framework.test import APIClient

from portal.models import Employee, OAuthApplication, Tenant

# Playwright's sync API runs an event loop in this thread; Django's ORM must still be usable.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
# The demo people's passwords are hashed on every load; a fast hasher keeps fixtures quick.
settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tests serve static files from the source folders (whitenoise with finders): no collectstatic.
settings.STORAGES = {
    **settings.STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
settings.WHITENOISE_USE_FINDERS = True


def _worker_redis_url(url: str, worker: str) -> str:
    """The Redis database of one pytest-xdist worker: gw0 keeps the run's own, gwN takes the N-th
    one below it. pytest-django already gives each worker a database of its own (test_<name>_gwN);
    the broker and the cache must be as private, or one worker's embedded Celery worker takes
    another's tasks (and finds none of their rows) and one flushes what another published."""
    parts = urlsplit(url)
    base = int(parts.path.lstrip("/") or 0)
    index = int(worker.removeprefix("gw"))
    return urlunsplit(parts._replace(path=f"/{(base - index) % 16}"))


if settings.REDIS_URL and os.environ.get("PYTEST_XDIST_WORKER"):
    # Settings were read before this module (pytest-django sets Django up first), so each value
    # made from REDIS_URL is set again; Celery reads its configuration lazily, on first use.
    settings.REDIS_URL = _worker_redis_url(settings.REDIS_URL, os.environ["PYTEST_XDIST_WORKER"])
    settings.CACHES["default"]["LOCATION"] = settings.REDIS_URL
    settings.CELERY_BROKER_URL = settings.REDIS_URL
    os.environ["REDIS_URL"] = settings.REDIS_URL

API = "/api/v1"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def pytest_sessionstart(session):
    # Tests run on PostgreSQL (SQLite hides locking and constraint behaviour); make a wrong
    # DATABASE_URL fail loudly rather than pass on the wrong database.
    engine = settings.DATABASES["default"]["ENGINE"]
    if "postgresql" not in engine:
        raise pytest.UsageError(
            f"Tests need PostgreSQL (DATABASE_URL); got {engine}. Run `make test`."
        )


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database, with the demo data loaded once: each test's transaction rolls back
    whatever it changes (loading it for every test took most of the suite's time)."""
    with django_db_blocker.unblock():
        call_command("load_demo", stdout=io.StringIO())


@pytest.fixture
def demo(db):
    """The demo data of `manage.py load_demo`: tenants acme and globex and everything in them.
    Loaded again when a transactional test (browser, integration) has emptied the tables."""
    if not Tenant.objects.filter(slug="acme").exists():
        call_command("load_demo", stdout=io.StringIO())
    return SimpleNamespace(
        acme=Tenant.objects.get(slug="acme"), globex=Tenant.objects.get(slug="globex")
    )


def _employee(username: str) -> Employee:
    return Employee.objects.select_related("tenant", "user").get(user__username=username)


@pytest.fixture
def peter(demo) -> Employee:
    """The requester of seed 002."""
    return _employee("peter")


@pytest.fixture
def maria(demo) -> Employee:
    """Peter's manager."""
    return _employee("maria")


@pytest.fixture
def ian(demo) -> Employee:
    """An IT approver in acme."""
    return _employee("ian")


@pytest.fixture
def ada(demo) -> Employee:
    """acme's tenant admin."""
    return _employee("ada")


@pytest.fixture
def sam(demo) -> Employee:
    """Another acme employee, with a line of his own."""
    return _employee("sam")


@pytest.fixture
def gina(demo) -> Employee:
    """An outsider: an employee of globex."""
    return _employee("gina")


def issue_token(
    employee: Employee | None, application: OAuthApplication, scope: str = "read write"
) -> str:
    """A real access token as the token endpoint would store it (hashed at rest)."""
    raw = secrets.token_urlsafe(30)
    token = AccessToken(
        user=employee.user if employee else None,
        application=application,
        scope=scope,
        expires=timezone.now() + timedelta(hours=1),
    )
    set_token_value(token, raw)
    token.save()
    return raw


class ApiClient(APIClient):
    """DRF's test client sending a bearer token and the MobProc headers on every call."""

    def __init__(self, *, token: str, tenant: str, client_id: str, **extra) -> None:
        super().__init__()
        self.credentials(
            HTTP_AUTHORIZATION=f"Bearer {token}",
            HTTP_X_TNGO_TENANT=tenant,
            HTTP_CLIENT_ID=client_id,
            **extra,
        )

    def get(self, path, data=None, **kwargs):
        return super().get(_api(path), data, **kwargs)

    def post(self, path, data=None, format="json", **kwargs):
        return super().post(_api(path), data, format=format, **kwargs)


def _api(path: str) -> str:
    return path if path.startswith("/") else f"{API}/{path}"


@pytest.fixture
def api_for(demo):
    """api_for(employee, scope=..., headers...) -> an ApiClient authenticated as that employee."""

    def make(employee: Employee, scope: str = "read write", **headers) -> ApiClient:
        application = OAuthApplication.objects.get(tenant=employee.tenant)
        return ApiClient(
            token=issue_token(employee, application, scope),
            tenant=employee.tenant.slug,
            client_id=application.client_id,
            **headers,
        )

    return make


@pytest.fixture
def peter_api(api_for, peter) -> ApiClient:
    return api_for(peter)


def seed_order_request(**overrides) -> dict:
    """Seed 002's request body (step 1), with optional top-level orderRequest overrides."""
    request = {
        "externalOrderNumber": "MM123456A",
        "transactionType": "ORDER_ACCESSORIES",
        "serviceId": "38382349",
        "shoppingCart": {"accessoryIds": ["3628935898", "3628939021"]},
        "properties": [
            {
                "groupId": "MISCELLANEOUS",
                "fields": [
                    {"id": "CONTACT_NUMBER", "type": "TEXT", "text": "2035559999"},
                    {"id": "SERVICE_NUMBER", "type": "TEXT", "text": "2035557676"},
                ],
            }
        ],
        "shipTo": {
            "name": "Peter Edwards",
            "regionId": "70144640",
            "address": [
                {"id": "LINE_1", "value": "35 Executive Blvd"},
                {"id": "CITY", "value": "Orange"},
                {"id": "STATE", "value": "CT"},
                {"id": "POSTAL_CODE", "value": "06477"},
            ],
            "expedite": True,
        },
    }
    request.update(overrides)
    return {"orderRequest": request}


@pytest.fixture
def count_queries():
    """Not a timing: how many SQL statements a block ran (for constant-query assertions)."""
    from django.test.utils import CaptureQueriesContext

    return lambda: CaptureQueriesContext(connection)


@pytest.fixture(autouse=True)
def celery_in_process(request):
    """Unit tests run Celery tasks in-process (eagerly); tests marked `integration` use the real
    Redis broker and a real worker instead."""
    from portal.celery import app

    if request.node.get_closest_marker("integration"):
        yield app
        return
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield app
    app.conf.task_always_eager = previous


@pytest.fixture
def submitted_order(peter_api, django_capture_on_commit_callbacks):
    """submitted_order(**overrides) -> the Order Peter submits through the API, routed (the
    on-commit routing task runs in-process)."""
    from orders.models import Order

    def submit(**overrides) -> Order:
        with django_capture_on_commit_callbacks(execute=True):
            response = peter_api.post("orders", seed_order_request(**overrides))
        assert response.status_code == 200, response.json()
        return Order.objects.get(pk=response.json()["order"]["orderId"])

    return submit


def browser_for(employee: Employee, *, csrf: bool = False) -> Client:
    """A test client signed in to the pages as the employee (CSRF checked when asked)."""
    client = Client(enforce_csrf_checks=csrf)
    client.force_login(employee.user)
    return client


@pytest.fixture
def web(peter) -> Client:
    """Peter, signed in to the pages."""
    return browser_for(peter)


# One Playwright (and one Chromium) per test process, for tests/browser and any other test that
# drives the browser: Playwright's sync API cannot be started twice in one process.
@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: `apt-get install chromium` (CI does).")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
