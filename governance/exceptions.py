"""Business-rule violations. The API turns a DomainError into 409 {"detail", "code"}."""


class DomainError(Exception):
    """A request that is well-formed but breaks a rule of the platform."""

    code = "rule_violation"

    def __init__(self, detail: str, *, code: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        if code is not None:
            self.code = code


class TransitionNotAllowed(DomainError):
    code = "transition_not_allowed"


class ImmutableRecordError(DomainError):
    code = "immutable_record"


class ProhibitedSystemError(DomainError):
    code = "prohibited_system"


class AmbiguousOrganization(DomainError):
    code = "organization_required"
