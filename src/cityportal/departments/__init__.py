"""Departments of the city hall."""


def includeme(config):
    from .resources import Department, Departments
    config.add_content_type(Departments)
    config.add_content_type(Department)
    config.include('.views')
