"""How a validated shape reports what is wrong: DRF's nested error detail as FieldProblems with
the dotted paths MobProc clients expect (`orderRequest.shipTo.address.CITY`), in the envelope's
vocabulary of codes. The domain's request readers (orders.requests, approvals.workflow_input)
raise these; the API's envelope and the pages' forms show them."""

from __future__ import annotations

from collections.abc import Iterator

from portal.exceptions import FieldProblem

# DRF's error codes, in the vocabulary of the MobProc envelope.
ERROR_CODES = {
    "required": "REQUIRED",
    "null": "REQUIRED",
    "blank": "REQUIRED",
    "invalid_choice": "INVALID_VALUE",
    "invalid": "INVALID_VALUE",
    "does_not_exist": "NOT_FOUND",
    "incorrect_type": "INVALID_TYPE",
    "not_a_list": "INVALID_TYPE",
    "not_a_dict": "INVALID_TYPE",
    "max_length": "TOO_LONG",
    "min_length": "TOO_SHORT",
    "empty": "REQUIRED",
    "max_string_length": "TOO_LONG",
}


def flatten_errors(detail, path: str = "") -> Iterator[FieldProblem]:
    """Turn DRF's nested error detail into problems with dotted paths (`a.b[2].c`)."""
    if isinstance(detail, dict):
        for key, value in detail.items():
            if key == "non_field_errors":
                child = path
            elif isinstance(key, int):
                child = f"{path}[{key}]"
            else:
                child = f"{path}.{key}" if path else str(key)
            yield from flatten_errors(value, child)
    elif isinstance(detail, list):
        for index, value in enumerate(detail):
            if isinstance(value, dict | list):
                if value:
                    yield from flatten_errors(value, f"{path}[{index}]")
            else:
                yield from flatten_errors(value, path)
    else:
        code = getattr(detail, "code", None) or "invalid"
        yield FieldProblem(
            field=path, code=ERROR_CODES.get(code, code.upper()), message=str(detail)
        )
