"""Citizens' personal dossiers."""


def includeme(config):
    from .resources import Dossiers
    config.add_content_type(Dossiers)
