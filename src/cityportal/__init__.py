"""cityportal: the single front door of a city hall (Pyramid on ZODB)."""
from pyramid.config import Configurator


def main(global_config, **settings):
    """The WSGI application: framework includes, our packages, root, scan."""
    from .config import prepare_settings
    settings = prepare_settings(global_config, settings)
    with Configurator(settings=settings) as config:
        # framework
        config.include('pyramid_retry')
        config.include('.retry')
        config.include('pyramid_tm')
        config.include('pyramid_zodbconn')
        config.include('pyramid_chameleon')
        # ours
        config.include('.i18n')
        config.include('.security_config')
        config.include('.content')
        config.include('.catalog')
        config.include('.layout')
        config.include('.accounts')
        config.include('.services')
        config.include('.departments')
        config.include('.dossiers')
        config.include('.connectors.roeid')
        config.include('.connectors.mail')
        config.include('.cases')
        config.include('.documents')
        config.include('.bus')
        config.include('.audit_views')
        # the tree
        from .root import root_factory
        config.set_root_factory(root_factory)
    return config.make_wsgi_app()
