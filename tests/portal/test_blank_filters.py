"""A list filter sent blank (`?employee=`, `?dateTimeUpdated=`, `?parentRegion=`) counts as
absent, as a blank header does (SPEC "API"), and the OpenAPI document says so
(`allowEmptyValue`, portal.api.schema.BlankFilterExtension): every such parameter of every list
answers the list it answers without it. A blank that is no valid value (`?status=` on orders, a
multiple choice; `limit=`) is refused with INVALID_QUERY, and the document allows no blank there."""

from __future__ import annotations

import pytest
from drf_spectacular.generators import SchemaGenerator

from tests.portal.test_api_headers import assert_mobproc_error

PREFIX = "/api/v1/"


def blank_allowed() -> list[tuple[str, str]]:
    """(path, parameter) for every query parameter of a list the document lets be blank."""
    document = SchemaGenerator().get_schema(request=None, public=True)
    return sorted(
        (path.removeprefix(PREFIX), parameter["name"])
        for path, operations in document["paths"].items()
        if "{" not in path and "get" in operations
        for parameter in operations["get"].get("parameters", [])
        if parameter["in"] == "query" and parameter.get("allowEmptyValue")
    )


BLANK_ALLOWED = blank_allowed()


def test_the_filters_clients_send_blank_are_among_them():
    assert {
        ("assets/devices", "employee"),
        ("assets/services", "dateTimeUpdated"),
        ("employees", "dateTimeUpdatedOnOrAfter"),
        ("orders", "dateTimeUpdated"),
        ("orders", "employee"),
        ("regions", "parentRegion"),
        ("vendors", "type"),
    } <= set(BLANK_ALLOWED)
    assert not {name for _, name in BLANK_ALLOWED} & {"limit", "offset"}
    assert ("orders", "status") not in BLANK_ALLOWED


@pytest.mark.parametrize(
    ("path", "name"), BLANK_ALLOWED, ids=[f"{p}?{n}=" for p, n in BLANK_ALLOWED]
)
def test_a_blank_filter_counts_as_absent(peter_api, django_assert_max_num_queries, path, name):
    without = peter_api.get(path)

    with django_assert_max_num_queries(12):
        blank = peter_api.get(f"{path}?{name}=")

    assert without.status_code == 200, without.content[:300]
    assert blank.status_code == 200, blank.content[:300]
    (collection,) = without.json().keys()
    assert blank.json()[collection]["items"] == without.json()[collection]["items"]


@pytest.mark.parametrize("query", ["status=", "limit=", "offset="])
def test_a_blank_that_is_no_valid_value_is_refused(peter_api, query):
    assert_mobproc_error(peter_api.get(f"orders?{query}"), 400, "INVALID_QUERY")
