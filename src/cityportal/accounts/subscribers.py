"""Keep the security state consistent when staff accounts go."""
from ..interfaces import IStaffUser


def staff_user_will_be_removed(event):
    """A deleted account leaves no local roles behind for a future namesake."""
    if IStaffUser.providedBy(event.object):
        from ..api.user import revoke_all_local_roles
        revoke_all_local_roles(event.object, registry=event.registry)
