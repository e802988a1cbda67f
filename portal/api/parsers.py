"""The API's one JSON parser: a body that holds text the database cannot take is refused here,
before any view, serializer or service sees it (SPEC "Errors": 400, every problem listed)."""

from __future__ import annotations

from rest_framework.parsers import JSONParser

from portal.exceptions import FieldProblem, RequestInvalid
from portal.text import described, unstorable_paths

INVALID_CHARACTER = "INVALID_CHARACTER"


class StorableJSONParser(JSONParser):
    """DRF's JSON parser, refusing any string (keys included) with a NUL or a lone surrogate.

    PostgreSQL refuses NUL in text and jsonb, and a lone surrogate ("\\ud800") cannot be encoded
    to UTF-8, so either one used to fail deep down (a lookup, an insert, the answer) with a 500.
    Raises RequestInvalid, which the exception handler answers with the validation envelope.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        problems = [
            FieldProblem(
                path,
                INVALID_CHARACTER,
                f"This {'key' if what == 'key' else 'text'} contains {described(text)}, "
                "which is not allowed.",
            )
            for path, what, text in unstorable_paths(data)
        ]
        if problems:
            raise RequestInvalid(problems)
        return data
