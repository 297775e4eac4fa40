"""The integration bus and its operator views under /integrari."""


def includeme(config):
    from .resources import Integrations
    config.add_content_type(Integrations)
    config.include('.views')
