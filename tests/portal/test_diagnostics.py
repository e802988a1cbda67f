"""GET /diagnostics (MobProc 1.1.0): the caller's and the actor's roles as {id, value}."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def values(response) -> dict:
    assert response.status_code == 200, response.json()
    return {d["id"]: d["value"] for d in response.json()["diagnostics"]}


def test_a_requester_holds_no_role(api_for, peter):
    assert values(api_for(peter).get("diagnostics")) == {
        "IS_AUTHENTICATED_USER_APPROVER": False,
        "IS_ACTOR_APPROVER": False,
        "EXECUTE_MOVE_SERVICE_PERMISSION": False,
    }


def test_an_admin_acting_for_a_requester(api_for, ada, peter):
    api = api_for(ada, HTTP_X_TNGO_CONTEXT_EMPLOYEEID=str(peter.pk))
    assert values(api.get("diagnostics")) == {
        "IS_AUTHENTICATED_USER_APPROVER": True,
        "IS_ACTOR_APPROVER": False,
        "EXECUTE_MOVE_SERVICE_PERMISSION": False,
    }


def test_a_manager_is_an_approver(api_for, maria):
    found = values(api_for(maria).get("diagnostics"))
    assert found["IS_AUTHENTICATED_USER_APPROVER"] and found["IS_ACTOR_APPROVER"]
