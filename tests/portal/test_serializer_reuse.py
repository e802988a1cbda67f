"""portal.api.serializers.serializer_for: a serializer built once per thread still represents
each answer with that answer's own request and context."""

from __future__ import annotations

import threading

from django.test import RequestFactory

from portal.api.serializers import EmployeeDetailSerializer, represent, serializer_for


def answer_context(host: str, attributes: dict) -> dict:
    """One answer's context: its request (on `host`) and the custom attributes it read."""
    request = RequestFactory().get("/api/v1/me", HTTP_HOST=host)
    return {"request": request, "custom_attributes": attributes}


def test_each_answer_is_shown_with_its_own_request_and_context(maria, peter, settings):
    settings.ALLOWED_HOSTS = ["one.example", "two.example"]
    attributes = {maria.pk: [{"name": "Cost centre", "value": "4711"}]}

    first = represent(EmployeeDetailSerializer, maria, answer_context("one.example", attributes))
    second = represent(EmployeeDetailSerializer, maria, answer_context("two.example", {}))
    third = represent(EmployeeDetailSerializer, peter, answer_context("one.example", {}))

    assert first["_meta"]["href"] == f"http://one.example/api/v1/employees/{maria.pk}"
    assert first["customAttributes"] == [{"name": "Cost centre", "value": "4711"}]
    # The same person in the next answer: that answer's host, its attributes (none).
    assert second["_meta"]["href"] == f"http://two.example/api/v1/employees/{maria.pk}"
    assert second["customAttributes"] == []
    assert (third["id"], third["firstName"]) == (str(peter.pk), peter.first_name)


def test_the_serializer_is_built_once_per_thread():
    here = serializer_for(EmployeeDetailSerializer, {})
    elsewhere = []
    thread = threading.Thread(
        target=lambda: elsewhere.append(serializer_for(EmployeeDetailSerializer, {}))
    )
    thread.start()
    thread.join()

    assert serializer_for(EmployeeDetailSerializer, {"again": True}) is here
    assert here.context == {"again": True}
    assert elsewhere[0] is not here
