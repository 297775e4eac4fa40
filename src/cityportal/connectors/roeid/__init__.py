"""ROeID: the SAML 2.0 service provider (python3-saml) through which citizens sign in."""


def includeme(config):
    config.include('.config')
    config.include('.views')
