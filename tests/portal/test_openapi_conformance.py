"""The OpenAPI document tells the truth (issue 13): schemathesis generates requests from it for
every operation, reads and writes, valid and invalid, for callers of two tenants, sends them
through the whole application, and checks that the server never fails, answers only documented
statuses and content types, answers in the documented shapes, and refuses data the document
says is invalid. Fixed seed (derandomized), few examples per operation, and every boundary of
every parameter for the operations taking input (CONFIG): the same cases every run, in bounded
time."""

from __future__ import annotations

import itertools
import json

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.generation.meta import TestPhase
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from portal.models import OAuthApplication
from tests.conftest import issue_token

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


def served_document() -> dict:
    """The document as GET /api/v1/schema serves it (generated and rendered the same way)."""
    generator = SchemaGenerator()
    return json.loads(OpenApiJsonRenderer().render(generator.get_schema(request=None, public=True)))


DOCUMENT = served_document()
PAGING = {"limit", "offset"}


def taking_input(document: dict) -> list[str]:
    """The operations a caller gives data to besides headers and the path's id: a query
    parameter other than the paging, or a body."""
    return [
        operation["operationId"]
        for operations in document["paths"].values()
        for operation in operations.values()
        if "requestBody" in operation
        or any(
            p["in"] == "query" and p["name"] not in PAGING for p in operation.get("parameters", [])
        )
    ]


# Valid and invalid data from the fuzzing phase for every operation, and from the coverage phase
# for those taking input: it sends every boundary of every parameter and body field (a blank
# filter, a number where the document says a string, a value off its pattern or format), which
# the fuzzing phase rarely hits. The coverage phase of the others (headers and path id only,
# which the fuzzing phase sends blank and wrong too) and its calls with undeclared methods (405,
# tests/portal/test_api_errors.py) would double the time, past what CI can afford on each run.
PHASES = {"examples": {"enabled": False}, "stateful": {"enabled": False}}
CONFIG = SchemathesisConfig.from_dict(
    {
        "seed": 13,
        "generation": {"mode": "all"},
        "phases": {**PHASES, "coverage": {"enabled": False}},
        "operations": [
            {
                "include-operation-id": taking_input(DOCUMENT),
                "phases": {**PHASES, "coverage": {"enabled": True, "unexpected-methods": []}},
            }
        ],
    }
)

# Cases go to Django's own WSGI application, in this process, on the test's transaction.
schema = schemathesis.openapi.from_dict(DOCUMENT, config=CONFIG)
schema.app = get_wsgi_application()


@pytest.fixture(autouse=True)
def connection_kept_across_requests():
    """As Django's test client does: a request does not close the test's database connection
    when it starts or ends (that would end the test's transaction)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def callers(peter, gina) -> list[dict]:
    """A signed-in caller of each demo tenant, as the headers every call sends."""
    headers = []
    for employee in (peter, gina):
        application = OAuthApplication.objects.get(tenant=employee.tenant)
        headers.append(
            {
                "Authorization": f"Bearer {issue_token(employee, application)}",
                "X-TNGO-TENANT": employee.tenant.slug,
                "client_id": application.client_id,
            }
        )
    return headers


def sent_headers(case, caller: dict) -> dict:
    """The caller's credentials, but a blank tenant or client_id the case generated stays: it is
    the invalid value an invalid case sends (replacing it would make the case valid, and its
    acceptance look like a failure to refuse)."""
    return {name: value for name, value in caller.items() if (case.headers or {}).get(name) != ""}


COVERAGE_CASES = itertools.count()


def callers_of(case, callers: list[dict]) -> list[dict]:
    """Who sends the case: a fuzzing case goes from each tenant; the coverage phase's thousands
    of boundary cases go from each tenant in turn (every operation's boundaries are sent by
    both tenants' callers, half each), which halves the module's time. Isolation between the
    tenants is tests/portal/test_tenant_isolation.py's."""
    if case.meta is None or case.meta.phase.name != TestPhase.COVERAGE:
        return callers
    return [callers[next(COVERAGE_CASES) % len(callers)]]


@schema.parametrize()
@settings(
    max_examples=4,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_answers_as_documented(case, callers):
    for headers in callers_of(case, callers):
        # Every operation runs in one test: each call is undone, so what one case creates,
        # changes or deletes (a workflow, a department, a cancelled order) is not there for
        # the next one.
        with transaction.atomic():
            case.call_and_validate(headers=sent_headers(case, headers), checks=CHECKS)
            transaction.set_rollback(True)
