"""Cases: requests filed online, worked by the departments on a digital circuit."""


def includeme(config):
    from .resources import Case
    config.add_content_type(Case)
