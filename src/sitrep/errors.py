"""The named exceptions of sitrep. The CLI turns them into one-line messages (exit 1, or 2
for usage errors); the REST API into ``{"error": {"code", "message"}}`` with ``status``."""

from __future__ import annotations


class SitrepError(Exception):
    """Base of every error a user can cause or fix."""

    code = "error"
    status = 400  # HTTP status when raised behind the API

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        if code:
            self.code = code

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else self.code


class InputError(SitrepError):
    """An input that cannot be read as an article (missing file, bad JSON, too large...)."""

    code = "bad-input"


class UsageError(SitrepError):
    """Options that do not fit together."""

    code = "usage"


class StoreError(SitrepError):
    """The store cannot be opened, migrated or queried."""

    code = "store"
    status = 500


class NotFound(SitrepError):
    code = "not-found"
    status = 404


class ModelError(SitrepError):
    """A model or data package is missing or broken."""

    code = "model"
    status = 500


class FetchError(SitrepError):
    """A URL that may not or could not be fetched."""

    code = "fetch"
    status = 422


class GazetteerError(SitrepError):
    code = "gazetteer"
    status = 500
