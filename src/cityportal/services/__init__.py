"""Service catalog: categories (life events) and service pages."""


def includeme(config):
    from .resources import Category, Service, ServiceCatalog
    config.add_content_type(ServiceCatalog)
    config.add_content_type(Category)
    config.add_content_type(Service)
    config.include('.views')
    config.include('.fieldeditor')
