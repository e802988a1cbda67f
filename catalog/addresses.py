"""Postal addresses checked against their region's address format (MobProc `addressFormat`).

Each country has its own format (the US: STATE and a ZIP code; Canada: PROVINCE and a postal
code "A9A 9A9"; the United Kingdom: an optional COUNTY and a postcode "AA9A 9AA"): a line is
checked by its format's length, options (a country's states or provinces, its child regions)
and regular expression. Postal codes do not depend on case, so neither does the expression.
"""

from __future__ import annotations

import re

from catalog.models import Region
from portal.exceptions import FieldProblem


def option_values(spec: dict) -> set[str]:
    """The values an address line with options accepts (stored as `id`, answered as `value`)."""
    return {str(option.get("value", option.get("id"))) for option in spec.get("options") or []}


def matches(spec: dict, value: str) -> bool:
    """Whether `value` is all of what the line's `regEx` describes (no regEx, or one that does
    not compile, typed so in the admin: anything)."""
    pattern = spec.get("regEx")
    try:
        return not pattern or re.fullmatch(pattern, value, flags=re.IGNORECASE) is not None
    except re.error:
        return True


def address_problems(region: Region, lines: list[dict]) -> list[FieldProblem]:
    """Every problem of an address ([{id, value}]), each `field` being the line id."""
    fmt = {spec["id"]: spec for spec in region.address_format}
    given: dict[str, str] = {}
    problems: list[FieldProblem] = []
    for line in lines:
        line_id, value = line["id"], (line.get("value") or "").strip()
        if line_id not in fmt:
            problems.append(
                FieldProblem(
                    line_id, "UNKNOWN_FIELD", f"{region.name} addresses have no {line_id}."
                )
            )
        elif line_id in given:
            problems.append(FieldProblem(line_id, "DUPLICATE", f"{line_id} is given twice."))
        else:
            given[line_id] = value
    for line_id, spec in fmt.items():
        value = given.get(line_id, "")
        label = spec.get("label", line_id)
        if not value:
            if spec.get("validation") == "REQUIRED":
                problems.append(FieldProblem(line_id, "REQUIRED", f"{label} is required."))
            continue
        low, high = spec.get("minLength", 0), spec.get("maxLength", 10**6)
        if not low <= len(value) <= high:
            problems.append(
                FieldProblem(
                    line_id, "INVALID_LENGTH", f"{label} must be {low} to {high} characters long."
                )
            )
        options = spec.get("options")
        if options and value not in option_values(spec):
            problems.append(FieldProblem(line_id, "INVALID_VALUE", f"{value!r} is not a {label}."))
        elif not matches(spec, value):
            problems.append(
                FieldProblem(line_id, "INVALID_FORMAT", f"{value!r} is not a valid {label}.")
            )
    return problems


def labelled_address(region: Region, lines: list[dict]) -> list[dict]:
    """The address in the region's line order, each line with its label (for confirmations)."""
    values = {line["id"]: (line.get("value") or "").strip() for line in lines}
    return [
        {"id": spec["id"], "label": spec.get("label", spec["id"]), "value": values[spec["id"]]}
        for spec in region.address_format
        if values.get(spec["id"])
    ]


def postal_code_problem(region: Region, value: str) -> FieldProblem | None:
    """A postal code checked against the POSTAL_CODE line of the region's country format."""
    country = region if region.parent_id is None else region.parent
    spec = next((s for s in country.address_format if s["id"] == "POSTAL_CODE"), None)
    value = value.strip()
    if not value:
        return FieldProblem("postalCode", "REQUIRED", "A postal code is required.")
    if spec and not matches(spec, value):
        label = spec.get("label", "postal code")
        return FieldProblem(
            "postalCode", "INVALID_FORMAT", f"{value!r} is not a valid {label} in {country.name}."
        )
    return None
