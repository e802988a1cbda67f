from rest_framework import exceptions


class ApiError(exceptions.APIException):
    """An API-level refusal (headers, tokens) with its own MobProc error code."""

    def __init__(self, status_code: int, error_code: str, message: str) -> None:
        self.status_code = status_code
        self.error_code = error_code
        super().__init__(message)
