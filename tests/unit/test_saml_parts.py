"""The SP's pieces without HTTP: attribute map, pending requests, replay cache, keys."""
import os
import stat

import pytest

from cityportal.connectors.roeid.attributes import (
    AttributeError_, cnp_from, load_attribute_map, map_attributes)
from cityportal.connectors.roeid.config import ensure_keypair
from cityportal.connectors.roeid.state import PENDING_TTL, SAMLState
from cityportal.validators import cnp_check_digit

HERE = os.path.dirname(os.path.abspath(__file__))
MAP = load_attribute_map(os.path.join(HERE, '..', '..', 'etc', 'roeid', 'attribute-map.yaml'))
EIDAS = 'http://eidas.europa.eu/attributes/naturalperson/'


def valid_cnp(first12='185031535001'):
    return first12 + str(cnp_check_digit(first12))


CNP = valid_cnp()


def test_short_roeid_names():
    person = map_attributes(MAP, {'cnp': [CNP], 'prenume': ['Ioana'], 'nume': ['Ștefănescu'],
                                  'email': ['ioana@example.ro'], 'telefon': ['0722000000']})
    assert (person.cnp, person.given_name, person.family_name) == (CNP, 'Ioana', 'Ștefănescu')
    assert person.full_name == 'Ioana Ștefănescu'
    assert person.email == 'ioana@example.ro'


def test_eidas_names_and_person_identifier():
    person = map_attributes(MAP, {EIDAS + 'PersonIdentifier': ['RO/RO/' + CNP],
                                  EIDAS + 'CurrentGivenName': ['Mihai'],
                                  EIDAS + 'CurrentFamilyName': ['Țurcanu'],
                                  EIDAS + 'DateOfBirth': ['1985-03-15']})
    assert person.cnp == CNP and person.family_name == 'Țurcanu'
    assert person.birth_date == '1985-03-15'


def test_friendly_names_are_a_fallback():
    person = map_attributes(MAP, {}, {'PersonIdentifier': ['RO/BE/' + CNP]})
    assert person.cnp == CNP


@pytest.mark.parametrize('attributes, reason', [
    ({}, 'no CNP'),
    ({'cnp': ['']}, 'no CNP'),
    ({'cnp': [CNP[:12] + str((int(CNP[12]) + 1) % 10)]}, 'not valid'),
    ({'cnp': ['12345']}, 'not valid'),
    ({EIDAS + 'PersonIdentifier': ['BE/RO/' + CNP]}, 'not RO'),
])
def test_missing_or_invalid_cnp_is_refused(attributes, reason):
    with pytest.raises(AttributeError_) as e:
        map_attributes(MAP, attributes)
    assert reason in e.value.args[0]


def test_cnp_from_plain_and_eidas():
    assert cnp_from(' %s ' % CNP) == CNP
    assert cnp_from('RO/RO/%s' % CNP) == CNP


def test_attribute_map_refuses_unknown_fields(tmp_path):
    bad = tmp_path / 'map.yaml'
    bad.write_text('cnp: [cnp]\nshoe_size: [x]\n', encoding='utf-8')
    with pytest.raises(ValueError):
        load_attribute_map(str(bad))
    bad.write_text('email: [mail]\n', encoding='utf-8')
    with pytest.raises(ValueError):
        load_attribute_map(str(bad))


def test_pending_request_is_bound_to_the_browser_and_used_once():
    state = SAMLState()
    state.add_pending('token-a' * 4, 'ID_1', 'authn', '/servicii/', now=1000)
    assert not state.has_pending('token-b' * 4, 'ID_1', 'authn', now=1001)
    assert not state.has_pending('token-a' * 4, 'ID_1', 'logout', now=1001)
    assert state.take_pending('token-a' * 4, 'ID_1', 'authn', now=1001) == '/servicii/'
    assert state.take_pending('token-a' * 4, 'ID_1', 'authn', now=1002) is None


def test_pending_request_expires():
    state = SAMLState()
    state.add_pending('t' * 30, 'ID_1', 'authn', '/', now=1000)
    assert state.take_pending('t' * 30, 'ID_1', 'authn', now=1000 + PENDING_TTL + 1) is None


def test_pending_requests_per_browser_are_bounded():
    state = SAMLState()
    for i in range(20):
        state.add_pending('t' * 30, 'ID_%d' % i, 'authn', '/', now=1000 + i)
    assert len(state.pending[next(iter(state.pending.keys()))]) == 8
    assert state.has_pending('t' * 30, 'ID_19', 'authn', now=1030)
    assert not state.has_pending('t' * 30, 'ID_0', 'authn', now=1030)


def test_replay_cache_keeps_ids_until_they_expire():
    state = SAMLState()
    state.mark_seen('A1', not_on_or_after=5000, now=1000)
    assert state.seen_before('A1', now=4000)
    assert state.seen_before('A1', now=4599)       # kept at least an hour
    assert state.purge(now=6000) == 1
    assert not state.seen_before('A1', now=6000)


def test_sp_keypair_is_generated_once_with_a_private_key_file(tmp_path):
    key, cert = ensure_keypair(str(tmp_path / 'saml'), 'test SP')
    assert 'PRIVATE KEY' in key and 'CERTIFICATE' in cert
    mode = stat.S_IMODE(os.stat(tmp_path / 'saml' / 'sp.key').st_mode)
    assert mode == 0o600
    assert ensure_keypair(str(tmp_path / 'saml'), 'test SP') == (key, cert)


def test_xmlsec_and_lxml_share_libxml2():
    import lxml.etree
    import xmlsec
    assert xmlsec.get_libxml_version() == lxml.etree.LIBXML_VERSION
