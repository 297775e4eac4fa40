"""One exception hierarchy for the api facade (plone.api style)."""


class CityPortalError(Exception):
    """Base of every error raised deliberately by cityportal."""


class InvalidName(CityPortalError, ValueError):
    """A child name is empty, too long, or uses forbidden characters."""


class DuplicateName(CityPortalError, KeyError):
    """A child with this name already exists in the folder."""

    def __str__(self):
        return Exception.__str__(self)


class InvalidParameterError(CityPortalError, ValueError):
    """An api function was called with parameters that cannot work together."""


class AuthenticationFailed(CityPortalError):
    """Wrong login or password, or the account is locked or disabled."""


class LoginThrottled(AuthenticationFailed):
    """Too many recent failures for this login or address."""
