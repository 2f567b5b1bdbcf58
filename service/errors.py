"""Refusals of the application layer (the domain's own refusals live in domain.errors)."""

from __future__ import annotations


class ApplicationError(Exception):
    rule = "application"

    def __init__(self, message: str, *, rule: str | None = None):
        super().__init__(message)
        self.message = message
        if rule is not None:
            self.rule = rule


class NotFound(ApplicationError):
    """Absent, or not visible to this principal: the two must be indistinguishable."""

    rule = "not_found"


class Forbidden(ApplicationError):
    """Visible, but the principal's roles do not allow this action."""

    rule = "role_missing"


class VersionMismatch(ApplicationError):
    """The client's If-Match names a version that is no longer current."""

    rule = "version_mismatch"

    def __init__(self, message: str, *, current_version: int):
        super().__init__(message)
        self.current_version = current_version


class ConcurrentUpdate(ApplicationError):
    """Another writer saved the same aggregate between our load and our save."""

    rule = "concurrent_update"


class AlreadyExists(ApplicationError):
    rule = "already_exists"
