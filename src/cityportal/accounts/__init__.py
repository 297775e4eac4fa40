"""Staff accounts: login/logout, throttling, account and role management."""


def includeme(config):
    from .resources import StaffUser, StaffUsers
    config.add_content_type(StaffUsers)
    config.add_content_type(StaffUser)
    from ..interfaces import IObjectWillBeRemoved
    from .subscribers import staff_user_will_be_removed
    config.add_subscriber(staff_user_will_be_removed, IObjectWillBeRemoved)
    config.scan(__name__)
