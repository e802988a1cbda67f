from portal.exceptions import NotAllowed, NotFound, NotTenantAdmin


class MakerCannotCheck(NotAllowed):
    """Maker-checker: who ordered (or whom the order is for) never decides it."""

    code = "MAKER_CANNOT_CHECK"


class NotAnApprover(NotAllowed):
    code = "NOT_AN_APPROVER"


class NoApprovalRun(NotFound):
    code = "APPROVAL_NOT_FOUND"


__all__ = ["MakerCannotCheck", "NoApprovalRun", "NotAnApprover", "NotTenantAdmin"]
