"""One exception hierarchy for the api facade (plone.api style)."""


class CityPortalError(Exception):
    """Base of every error raised deliberately by cityportal.

    The message may be a translation string; ``message`` keeps it for the
    UI to translate, ``str()`` gives its Romanian text for logs and scripts.
    """

    @property
    def message(self):
        return self.args[0] if self.args else ''

    def __str__(self):
        msg = self.message
        if hasattr(msg, 'interpolate'):
            return msg.interpolate()
        return str(msg)


class InvalidName(CityPortalError, ValueError):
    """A child name is empty, too long, or uses forbidden characters."""


class DuplicateName(CityPortalError, KeyError):
    """A child with this name already exists in the folder."""

    __str__ = CityPortalError.__str__


class InvalidParameterError(CityPortalError, ValueError):
    """An api function was called with parameters that cannot work together."""


class AuthenticationFailed(CityPortalError):
    """Wrong login or password, or the account is locked or disabled."""


class LoginThrottled(AuthenticationFailed):
    """Too many recent failures for this login or address."""
