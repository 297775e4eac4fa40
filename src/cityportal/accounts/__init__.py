"""Staff accounts: login/logout, throttling, account and role management."""


def includeme(config):
    from .resources import StaffUser, StaffUsers
    config.add_content_type(StaffUsers)
    config.add_content_type(StaffUser)
    config.scan(__name__)
