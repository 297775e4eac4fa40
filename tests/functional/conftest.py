"""Functional-test fixtures for the ROeID service provider (see saml_support.py)."""
import pytest

from tests.functional.saml_support import TestIdP


@pytest.fixture(scope='session')
def idp(app):
    """The test IdP: keys made once, its metadata written where etc/testing.ini
    points (var/test/roeid_idp/metadata.xml) and loaded by the app."""
    test_idp = TestIdP()
    test_idp.write_metadata()
    saml = app.registry.saml
    assert saml.metadata_source == test_idp.metadata_path
    assert saml.refresh(), saml.last_error
    return test_idp


@pytest.fixture(scope='session')
def sp_cert(app):
    """The SP's certificate (PEM), what its metadata publishes."""
    return app.registry.saml.keys()[1]
