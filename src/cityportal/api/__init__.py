"""A small facade in the spirit of plone.api: verbs with keyword arguments.

Views stay thin and call these; tests call them without a request. Every
function takes the ``registry`` whose subscribers (catalog, audit) must see
the change, and optionally the ``request`` to write the audit trail.
"""
from . import content, user  # noqa: F401
