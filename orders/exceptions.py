from portal.exceptions import Conflict, DomainError, InvalidState, NotAllowed, NotFound


class OrderError(DomainError):
    """Base of the order rules' refusals."""


class OrderNotCancellable(InvalidState):
    code = "ORDER_NOT_CANCELLABLE"


class ExternalOrderNumberTaken(Conflict):
    code = "EXTERNAL_ORDER_NUMBER_TAKEN"


__all__ = [
    "ExternalOrderNumberTaken",
    "NotAllowed",
    "NotFound",
    "OrderError",
    "OrderNotCancellable",
]
