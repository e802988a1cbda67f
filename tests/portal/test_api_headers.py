"""The API's request headers (SPEC "API"): bearer token, X-TNGO-TENANT, client_id, scopes, the
context headers that let admins and delegates act for someone else, and the correlation ids.

Every refusal answers the MobProc error body {"status", "errorCode", "id", "message"}.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from oauth2_provider.models import AccessToken
from rest_framework.test import APIClient

from orders.models import Order
from portal.models import Delegation, Employee, Hierarchy, OAuthApplication
from tests.conftest import issue_token, seed_order_request

ME = "/api/v1/me"


def assert_mobproc_error(response, status: int, error_code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"status", "errorCode", "id", "message"}, body
    assert body["status"] == status
    assert body["errorCode"] == error_code, body
    assert isinstance(body["id"], str) and body["id"]
    assert isinstance(body["message"], str) and body["message"]
    return body


def bare_client(**headers) -> APIClient:
    """An API client sending exactly the given headers (WSGI spelling) and nothing else."""
    client = APIClient()
    client.credentials(**headers)
    return client


@pytest.fixture
def demo_app(demo) -> OAuthApplication:
    return OAuthApplication.objects.get(client_id="demo-client")


@pytest.fixture
def peter_token(peter, demo_app) -> str:
    return issue_token(peter, demo_app)


def bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


# --- Bearer token ------------------------------------------------------------------------------


def test_request_without_a_bearer_token_is_unauthenticated(demo):
    client = bare_client(HTTP_X_TNGO_TENANT="acme", HTTP_CLIENT_ID="demo-client")

    response = client.get(ME)

    assert_mobproc_error(response, 401, "NOT_AUTHENTICATED")
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_request_with_an_unknown_bearer_token_is_unauthenticated(demo):
    client = bare_client(
        **bearer("not-a-real-token"), HTTP_X_TNGO_TENANT="acme", HTTP_CLIENT_ID="demo-client"
    )

    response = client.get(ME)

    assert_mobproc_error(response, 401, "INVALID_TOKEN")


def test_request_with_an_expired_bearer_token_is_unauthenticated(peter_token):
    AccessToken.objects.update(expires=timezone.now() - timedelta(seconds=1))
    client = bare_client(
        **bearer(peter_token), HTTP_X_TNGO_TENANT="acme", HTTP_CLIENT_ID="demo-client"
    )

    response = client.get(ME)

    assert_mobproc_error(response, 401, "TOKEN_EXPIRED")


def test_each_error_answer_carries_its_own_occurrence_id(demo):
    client = bare_client(HTTP_X_TNGO_TENANT="acme", HTTP_CLIENT_ID="demo-client")

    first = assert_mobproc_error(client.get(ME), 401, "NOT_AUTHENTICATED")
    second = assert_mobproc_error(client.get(ME), 401, "NOT_AUTHENTICATED")

    assert first["id"] != second["id"]


# --- X-TNGO-TENANT -----------------------------------------------------------------------------


def test_missing_tenant_header_is_a_bad_request(peter_token):
    client = bare_client(**bearer(peter_token), HTTP_CLIENT_ID="demo-client")

    response = client.get(ME)

    assert_mobproc_error(response, 400, "MISSING_TENANT")


def test_blank_tenant_header_counts_as_absent(peter_token):
    client = bare_client(
        **bearer(peter_token), HTTP_X_TNGO_TENANT="   ", HTTP_CLIENT_ID="demo-client"
    )

    response = client.get(ME)

    assert_mobproc_error(response, 400, "MISSING_TENANT")


def test_tenant_header_naming_another_tenant_is_forbidden(peter_token):
    client = bare_client(
        **bearer(peter_token), HTTP_X_TNGO_TENANT="globex", HTTP_CLIENT_ID="demo-client"
    )

    response = client.get(ME)

    assert_mobproc_error(response, 403, "TENANT_MISMATCH")


def test_tenant_header_naming_no_tenant_at_all_is_forbidden(peter_token):
    client = bare_client(
        **bearer(peter_token), HTTP_X_TNGO_TENANT="initech", HTTP_CLIENT_ID="demo-client"
    )

    response = client.get(ME)

    assert_mobproc_error(response, 403, "TENANT_MISMATCH")


# --- client_id ---------------------------------------------------------------------------------


def test_missing_client_id_is_a_bad_request(peter_token):
    client = bare_client(**bearer(peter_token), HTTP_X_TNGO_TENANT="acme")

    response = client.get(ME)

    body = assert_mobproc_error(response, 400, "MISSING_HEADER")
    assert body["message"] == "The client_id header is required."


def test_blank_client_id_counts_as_absent(peter_token):
    client = bare_client(**bearer(peter_token), HTTP_X_TNGO_TENANT="acme", HTTP_CLIENT_ID=" ")

    response = client.get(ME)

    assert_mobproc_error(response, 400, "MISSING_HEADER")


def test_client_id_of_another_application_is_forbidden(peter_token):
    client = bare_client(
        **bearer(peter_token), HTTP_X_TNGO_TENANT="acme", HTTP_CLIENT_ID="globex-client"
    )

    response = client.get(ME)

    assert_mobproc_error(response, 403, "INVALID_CLIENT")


def test_client_id_sent_as_client_dash_id_header_is_accepted(peter_token):
    client = APIClient()

    response = client.get(
        ME,
        headers={
            "Authorization": f"Bearer {peter_token}",
            "X-TNGO-TENANT": "acme",
            "Client-Id": "demo-client",
        },
    )

    assert response.status_code == 200, response.content
    assert response.json()["clientId"] == "demo-client"


def test_token_of_another_tenants_application_is_forbidden_even_with_its_own_client_id(demo):
    # A token issued for peter through globex's application cannot open acme (nor globex).
    globex_app = OAuthApplication.objects.get(client_id="globex-client")
    peter = Employee.objects.get(user__username="peter")
    token = issue_token(peter, globex_app)

    for tenant in ("acme", "globex"):
        client = bare_client(
            **bearer(token), HTTP_X_TNGO_TENANT=tenant, HTTP_CLIENT_ID="globex-client"
        )
        assert_mobproc_error(client.get(ME), 403, "TENANT_MISMATCH")


# --- Scopes ------------------------------------------------------------------------------------


def test_read_scope_token_may_read_but_not_place_orders(api_for, peter):
    api = api_for(peter, scope="read")

    me = api.get("me")
    order = api.post("orders", seed_order_request())

    assert me.status_code == 200, me.content
    assert me.json()["scopes"] == ["read"]
    assert_mobproc_error(order, 403, "INSUFFICIENT_SCOPE")
    assert not Order.objects.exists()


def test_write_scope_token_without_read_may_not_read(api_for, peter):
    api = api_for(peter, scope="write")

    response = api.get("me")

    assert_mobproc_error(response, 403, "INSUFFICIENT_SCOPE")


# --- Context employee --------------------------------------------------------------------------


def test_without_context_headers_the_caller_acts_for_themselves(api_for, peter):
    response = api_for(peter).get("me")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["employee"]["id"] == str(peter.pk)
    assert body["actor"]["id"] == str(peter.pk)
    assert body["tenant"]["id"] == "acme"


def test_tenant_admin_may_act_for_an_employee_by_company_employee_id(api_for, ada, peter):
    api = api_for(ada, HTTP_X_TNGO_CONTEXT_COMPANYEMPLOYEEID=peter.company_employee_id)

    response = api.get("me")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["actor"]["id"] == str(peter.pk)
    assert body["actor"]["companyEmployeeId"] == peter.company_employee_id
    assert body["employee"]["id"] == str(ada.pk)
    assert body["isTenantAdmin"] is False  # the actor's rights, not the caller's


def test_tenant_admin_may_act_for_an_employee_by_employee_id(api_for, ada, peter):
    api = api_for(ada, HTTP_X_TNGO_CONTEXT_EMPLOYEEID=str(peter.pk))

    response = api.get("me")

    assert response.status_code == 200, response.content
    assert response.json()["actor"]["id"] == str(peter.pk)


def test_ordinary_employee_may_not_act_for_a_colleague(api_for, peter, maria):
    api = api_for(peter, HTTP_X_TNGO_CONTEXT_COMPANYEMPLOYEEID=maria.company_employee_id)

    response = api.get("me")

    assert_mobproc_error(response, 403, "CONTEXT_NOT_ALLOWED")


def test_employee_naming_themselves_in_the_context_header_is_allowed(api_for, peter):
    api = api_for(peter, HTTP_X_TNGO_CONTEXT_EMPLOYEEID=str(peter.pk))

    response = api.get("me")

    assert response.status_code == 200, response.content
    assert response.json()["actor"]["id"] == str(peter.pk)


def test_delegate_in_force_may_act_for_the_employee_who_named_them(api_for, demo, maria, sam):
    today = timezone.localdate()
    Delegation.objects.create(
        tenant=demo.acme,
        employee=maria,
        delegate=sam,
        starts_on=today,
        ends_on=today + timedelta(days=5),
    )
    api = api_for(sam, HTTP_X_TNGO_CONTEXT_COMPANYEMPLOYEEID=maria.company_employee_id)

    response = api.get("me")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["actor"]["id"] == str(maria.pk)
    assert body["employee"]["id"] == str(sam.pk)


def test_delegation_that_ended_yesterday_no_longer_lets_the_delegate_act(api_for, demo, maria, sam):
    today = timezone.localdate()
    Delegation.objects.create(
        tenant=demo.acme,
        employee=maria,
        delegate=sam,
        starts_on=today - timedelta(days=5),
        ends_on=today - timedelta(days=1),
    )
    api = api_for(sam, HTTP_X_TNGO_CONTEXT_COMPANYEMPLOYEEID=maria.company_employee_id)

    response = api.get("me")

    assert_mobproc_error(response, 403, "CONTEXT_NOT_ALLOWED")


def test_delegation_starting_tomorrow_does_not_yet_let_the_delegate_act(api_for, demo, maria, sam):
    today = timezone.localdate()
    Delegation.objects.create(
        tenant=demo.acme,
        employee=maria,
        delegate=sam,
        starts_on=today + timedelta(days=1),
        ends_on=today + timedelta(days=5),
    )
    api = api_for(sam, HTTP_X_TNGO_CONTEXT_EMPLOYEEID=str(maria.pk))

    response = api.get("me")

    assert_mobproc_error(response, 403, "CONTEXT_NOT_ALLOWED")


def test_delegate_may_not_act_for_someone_else_than_who_named_them(
    api_for, demo, maria, sam, peter
):
    today = timezone.localdate()
    Delegation.objects.create(
        tenant=demo.acme, employee=maria, delegate=sam, starts_on=today, ends_on=today
    )
    api = api_for(sam, HTTP_X_TNGO_CONTEXT_EMPLOYEEID=str(peter.pk))

    response = api.get("me")

    assert_mobproc_error(response, 403, "CONTEXT_NOT_ALLOWED")


def test_unknown_context_employee_id_is_not_found(api_for, ada):
    api = api_for(ada, HTTP_X_TNGO_CONTEXT_EMPLOYEEID="999999999")

    response = api.get("me")

    assert_mobproc_error(response, 404, "EMPLOYEE_NOT_FOUND")


def test_unknown_context_company_employee_id_is_not_found(api_for, ada):
    api = api_for(ada, HTTP_X_TNGO_CONTEXT_COMPANYEMPLOYEEID="nobody.acme")

    response = api.get("me")

    assert_mobproc_error(response, 404, "EMPLOYEE_NOT_FOUND")


# "²" and "١٢" pass str.isdigit() but are no ids: once they answered 500 (int() refused "²").
NOT_IDS = ["peter", "-1", "1.0", "0x1F", "\u00b2", "\u0661\u0662"]


@pytest.mark.parametrize("value", NOT_IDS)
def test_non_numeric_context_employee_id_is_a_bad_request(api_for, ada, value):
    api = api_for(ada, HTTP_X_TNGO_CONTEXT_EMPLOYEEID=value)

    response = api.get("me")

    assert_mobproc_error(response, 400, "INVALID_HEADER")


@pytest.mark.parametrize("caller", ["ada", "peter"])
def test_another_tenants_employee_as_context_is_not_found(api_for, gina, request, caller):
    # Even a tenant admin cannot reach across tenants; the outsider is simply not there.
    api = api_for(request.getfixturevalue(caller), HTTP_X_TNGO_CONTEXT_EMPLOYEEID=str(gina.pk))

    response = api.get("me")

    assert_mobproc_error(response, 404, "EMPLOYEE_NOT_FOUND")


def test_another_tenants_company_employee_id_as_context_is_not_found(api_for, ada, gina):
    api = api_for(ada, HTTP_X_TNGO_CONTEXT_COMPANYEMPLOYEEID=gina.company_employee_id)

    response = api.get("me")

    assert_mobproc_error(response, 404, "EMPLOYEE_NOT_FOUND")


# --- Context hierarchy -------------------------------------------------------------------------


def test_known_context_hierarchy_is_accepted(api_for, peter, demo):
    hierarchy = Hierarchy.objects.get(tenant=demo.acme, is_default=True)
    api = api_for(peter, HTTP_X_TNGO_CONTEXT_HIERARCHYID=str(hierarchy.pk))

    response = api.get("me")

    assert response.status_code == 200, response.content


def test_unknown_context_hierarchy_is_not_found(api_for, peter):
    api = api_for(peter, HTTP_X_TNGO_CONTEXT_HIERARCHYID="999999999")

    response = api.get("me")

    assert_mobproc_error(response, 404, "HIERARCHY_NOT_FOUND")


def test_another_tenants_hierarchy_is_not_found(api_for, peter, demo):
    globex_hierarchy = Hierarchy.objects.get(tenant=demo.globex, is_default=True)
    api = api_for(peter, HTTP_X_TNGO_CONTEXT_HIERARCHYID=str(globex_hierarchy.pk))

    response = api.get("me")

    assert_mobproc_error(response, 404, "HIERARCHY_NOT_FOUND")


@pytest.mark.parametrize("value", NOT_IDS)
def test_non_numeric_context_hierarchy_is_a_bad_request(api_for, peter, value):
    api = api_for(peter, HTTP_X_TNGO_CONTEXT_HIERARCHYID=value)

    response = api.get("me")

    assert_mobproc_error(response, 400, "INVALID_HEADER")


# --- Correlation and activity ids --------------------------------------------------------------


def test_correlation_and_activity_ids_are_echoed_in_the_response(api_for, peter):
    api = api_for(
        peter,
        HTTP_X_TNGO_CONTEXT_CORRELATIONID="corr-123",
        HTTP_X_TNGO_CONTEXT_ACTIVITYID="act-456",
    )

    response = api.get("me")

    assert response.status_code == 200, response.content
    assert response["X-TNGO-CONTEXT-CORRELATIONID"] == "corr-123"
    assert response["X-TNGO-CONTEXT-ACTIVITYID"] == "act-456"


def test_correlation_id_is_echoed_on_error_answers_too(demo):
    client = bare_client(HTTP_X_TNGO_CONTEXT_CORRELATIONID="corr-err", HTTP_X_TNGO_TENANT="acme")

    response = client.get(ME)

    assert_mobproc_error(response, 401, "NOT_AUTHENTICATED")
    assert response["X-TNGO-CONTEXT-CORRELATIONID"] == "corr-err"


def test_a_fresh_correlation_id_is_generated_when_the_caller_sends_none(api_for, peter):
    api = api_for(peter)

    first = api.get("me")
    second = api.get("me")

    first_id = first["X-TNGO-CONTEXT-CORRELATIONID"]
    assert re.fullmatch(r"[0-9a-f]{32}", first_id)
    assert first_id != second["X-TNGO-CONTEXT-CORRELATIONID"]
    assert "X-TNGO-CONTEXT-ACTIVITYID" not in first


# --- Client-credentials tokens -----------------------------------------------------------------


def test_client_credentials_token_without_a_context_employee_is_forbidden(demo_app):
    token = issue_token(None, demo_app)
    client = bare_client(**bearer(token), HTTP_X_TNGO_TENANT="acme", HTTP_CLIENT_ID="demo-client")

    response = client.get(ME)

    assert_mobproc_error(response, 403, "CONTEXT_REQUIRED")


def test_client_credentials_token_acts_for_the_employee_it_names(demo_app, peter):
    token = issue_token(None, demo_app)
    client = bare_client(
        **bearer(token),
        HTTP_X_TNGO_TENANT="acme",
        HTTP_CLIENT_ID="demo-client",
        HTTP_X_TNGO_CONTEXT_EMPLOYEEID=str(peter.pk),
    )

    response = client.get(ME)

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["actor"]["id"] == str(peter.pk)
    assert body["employee"] is None
    assert body["user"] is None


def test_client_credentials_token_cannot_name_another_tenants_employee(demo_app, gina):
    token = issue_token(None, demo_app)
    client = bare_client(
        **bearer(token),
        HTTP_X_TNGO_TENANT="acme",
        HTTP_CLIENT_ID="demo-client",
        HTTP_X_TNGO_CONTEXT_EMPLOYEEID=str(gina.pk),
    )

    response = client.get(ME)

    assert_mobproc_error(response, 404, "EMPLOYEE_NOT_FOUND")


def test_client_credentials_token_is_bound_to_its_applications_tenant(demo_app, gina):
    token = issue_token(None, demo_app)
    client = bare_client(
        **bearer(token),
        HTTP_X_TNGO_TENANT="globex",
        HTTP_CLIENT_ID="demo-client",
        HTTP_X_TNGO_CONTEXT_EMPLOYEEID=str(gina.pk),
    )

    response = client.get(ME)

    assert_mobproc_error(response, 403, "TENANT_MISMATCH")


# --- The token's user --------------------------------------------------------------------------


def test_token_of_an_inactive_employee_is_forbidden(api_for, peter):
    api = api_for(peter)
    Employee.objects.filter(pk=peter.pk).update(status=Employee.Status.INACTIVE)

    response = api.get("me")

    assert_mobproc_error(response, 403, "NO_EMPLOYEE")
