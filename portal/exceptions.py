"""Domain errors raised by services; each interface maps them once (API: portal.api.errors)."""

from __future__ import annotations

from dataclasses import dataclass


class DomainError(Exception):
    """A business rule refused the operation. `status` is the HTTP status the API answers."""

    status = 422
    code = "UNPROCESSABLE"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


class NotAllowed(DomainError):
    """The actor may not do this (maker-checker, not an approver, not their order...)."""

    status = 403
    code = "FORBIDDEN"


class NotTenantAdmin(NotAllowed):
    """Configuration (workflows, properties, people...) is for the tenant's own admins."""

    code = "TENANT_ADMIN_ONLY"


class NotFound(DomainError):
    status = 404
    code = "NOT_FOUND"


class InvalidState(DomainError):
    """The object is not in a state that allows the operation."""

    status = 422
    code = "INVALID_STATE"


class Conflict(DomainError):
    status = 409
    code = "CONFLICT"


@dataclass(frozen=True)
class FieldProblem:
    """One problem in a request body: where (dotted path), what (code) and why (message)."""

    field: str
    code: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"errorCode": self.code, "field": self.field, "message": self.message}


class RequestInvalid(DomainError):
    """A request body failed validation; carries every problem found, not only the first."""

    status = 400
    code = "VALIDATION_FAILED"

    def __init__(self, problems: list[FieldProblem]) -> None:
        super().__init__("; ".join(f"{p.field}: {p.message}" for p in problems))
        self.problems = problems
