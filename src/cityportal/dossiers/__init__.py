"""Citizens' personal dossiers and accounts."""


def includeme(config):
    from .resources import Dossier, Dossiers
    config.add_content_type(Dossiers)
    config.add_content_type(Dossier)
    config.include('.views')
    config.include('.representation')
