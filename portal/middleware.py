"""Request context: the MobProc activity and correlation ids, logged with every line."""

import logging
import uuid
from contextvars import ContextVar

ACTIVITY_HEADER = "X-TNGO-CONTEXT-ACTIVITYID"
CORRELATION_HEADER = "X-TNGO-CONTEXT-CORRELATIONID"

correlation_id: ContextVar[str] = ContextVar("correlation_id", default="-")
activity_id: ContextVar[str] = ContextVar("activity_id", default="-")


class RequestContextMiddleware:
    """Takes the caller's ids (or makes a correlation id), echoes them in the response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        corr = request.headers.get(CORRELATION_HEADER, "").strip()[:100] or uuid.uuid4().hex
        act = request.headers.get(ACTIVITY_HEADER, "").strip()[:100]
        corr_token = correlation_id.set(corr)
        act_token = activity_id.set(act or "-")
        request.correlation_id = corr
        try:
            response = self.get_response(request)
        finally:
            correlation_id.reset(corr_token)
            activity_id.reset(act_token)
        response[CORRELATION_HEADER] = corr
        if act:
            response[ACTIVITY_HEADER] = act
        return response


class RequestContextLogFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.correlation_id = correlation_id.get()
        record.activity_id = activity_id.get()
        return True
