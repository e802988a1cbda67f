from portal.exceptions import Conflict, DomainError, InvalidState, NotAllowed, NotFound


class OrderError(DomainError):
    """Base of the order rules' refusals."""


class OrderNotCancellable(InvalidState):
    code = "ORDER_NOT_CANCELLABLE"


class ExternalOrderNumberTaken(Conflict):
    code = "EXTERNAL_ORDER_NUMBER_TAKEN"


class ExternalOrderNumberReused(OrderError):
    """The externalOrderNumber names a stored order of the requester's, but the request differs
    from the one stored under it: not a retry, a new order under an old number (422)."""

    status = 422
    code = "EXTERNAL_ORDER_NUMBER_REUSED"


__all__ = [
    "ExternalOrderNumberReused",
    "ExternalOrderNumberTaken",
    "NotAllowed",
    "NotFound",
    "OrderError",
    "OrderNotCancellable",
]
