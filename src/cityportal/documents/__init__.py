"""Issued documents and their public verification."""


def includeme(config):
    from .resources import Documents
    config.add_content_type(Documents)
