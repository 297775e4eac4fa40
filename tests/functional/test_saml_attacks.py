"""The ROeID service provider under attack: every forged or misdirected message is refused.

Each refusal is checked the same way (:meth:`Watch.assert_refused`): a 400/403
page (never a 500), no account created, an audit entry
``login.roeid.refused`` with a reason, and nobody signed in.
"""
import copy
import re

import pytest
from lxml import etree

from cityportal.testing import Browser
from tests.functional.saml_support import (
    CNP, LOA_LOW, NS, OTHER_CNP, RSA_SHA1, RSA_SHA256, SHA1, SHA256, SP_ACS, b64,
    eidas_attributes, login, new_id, parse_redirect, post_response, roeid_attributes, sign_xml,
    start_login, wrong_check_digit)

SAMLP = '{%s}' % NS['samlp']
DS = '{%s}' % NS['ds']


def new_browser(app, ip='10.0.0.66'):
    return Browser(app, extra_environ={'HTTP_HOST': 'localhost', 'REMOTE_ADDR': ip})


def account_count(root):
    return len(root.refresh()['dosare'].accounts)


def refused_count(root):
    return len(root.refresh().audit.latest(limit=10000, action='login.roeid.refused'))


def is_signed_in(testapp):
    res = testapp.get('/@@dosar', status=303)
    return res.location.startswith('http://localhost/dosare/')


class Watch:
    """What must not change when a response is refused."""

    def __init__(self, testapp, root):
        self.testapp = testapp
        self.root = root
        self.accounts = account_count(root)
        self.refused = refused_count(root)
        self.logins = len(root.audit.latest(limit=10000, action='login.roeid'))

    def assert_refused(self, res, reason=None, status=(400, 403)):
        assert res.status_int in status, res.status
        assert 'Autentificarea nu a reușit' in res.text
        root = self.root
        assert account_count(root) == self.accounts
        assert len(root.audit.latest(limit=10000, action='login.roeid')) == self.logins
        assert refused_count(root) == self.refused + 1
        entry = root.audit.latest(limit=1, action='login.roeid.refused')[0]
        assert entry['actor'] is None
        assert entry['details'].get('reason'), entry
        if reason:
            assert re.search(reason, entry['details']['reason']), entry['details']['reason']
        assert CNP not in repr(entry) and OTHER_CNP not in repr(entry)     # never logged
        # the reason goes to the log, never to the page
        assert entry['details']['reason'][:30] not in res.text
        assert not is_signed_in(self.testapp)
        self.refused += 1
        return entry


@pytest.fixture
def watch(testapp, root, idp):
    return Watch(testapp, root)


def post(testapp, xml, relay=None, **kw):
    return post_response(testapp, xml, relay, status='*', **kw)


def solicited(testapp, idp, **options):
    """A login started by this browser and the IdP's answer (xml), not yet posted."""
    request = start_login(testapp)
    options.setdefault('cnp', CNP)
    return request, idp.response(in_response_to=request.id, **options)


# XML surgery ------------------------------------------------------------------------

def parse(xml):
    return etree.fromstring(xml)


def dump(doc):
    return etree.tostring(doc)


def the(doc, expr):
    found = doc.xpath(expr, namespaces=NS)
    assert len(found) == 1, (expr, len(found))
    return found[0]


def set_cnp(assertion, cnp):
    value = the(assertion, './/saml:Attribute[@Name="cnp"]/saml:AttributeValue')
    value.text = cnp


# signatures ------------------------------------------------------------------------

def test_unsigned_response_refused(testapp, idp, watch):
    _, xml = solicited(testapp, idp, sign=None)
    watch.assert_refused(post(testapp, xml), 'No Signature found')


@pytest.mark.parametrize('sign', ['assertion', 'response', 'both'])
def test_signed_by_another_key_refused(testapp, idp, watch, sign):
    _, xml = solicited(testapp, idp, sign=sign, key=idp.other_key, cert=idp.other_cert)
    watch.assert_refused(post(testapp, xml), 'Signature validation failed')


def test_signature_with_the_idp_cert_in_keyinfo_but_another_key_refused(testapp, idp, watch):
    """KeyInfo carries the IdP's certificate; the signature is by another key."""
    _, xml = solicited(testapp, idp, key=idp.other_key, cert=idp.cert)
    watch.assert_refused(post(testapp, xml), 'Signature validation failed')


@pytest.mark.parametrize('sign', ['assertion', 'response', 'both'])
@pytest.mark.parametrize('change', ['cnp', 'nameid', 'given-name', 'loa', 'expiry'])
def test_altered_after_signing_refused(testapp, idp, watch, sign, change):
    """Each change alone would pass every other check: only the signature catches it."""
    _, xml = solicited(testapp, idp, sign=sign)
    doc = parse(xml)
    assertion = the(doc, 'saml:Assertion')
    if change == 'cnp':
        set_cnp(assertion, OTHER_CNP)
    elif change == 'nameid':
        the(assertion, 'saml:Subject/saml:NameID').text = 'pers-victim'
    elif change == 'given-name':
        the(assertion, './/saml:Attribute[@Name="prenume"]/saml:AttributeValue').text = 'Ionel'
    elif change == 'loa':
        the(assertion, './/saml:AuthnContextClassRef').text = 'http://eidas.europa.eu/LoA/high'
    else:
        the(assertion, 'saml:Conditions').set('NotOnOrAfter', '2099-01-01T00:00:00Z')
    watch.assert_refused(post(testapp, dump(doc)), 'Signature validation failed')


def test_comment_in_signed_cnp_never_changes_who_signs_in(testapp, idp, root, watch):
    """A comment inserted after signing leaves the signature valid (c14n drops it):
    the SP must read the whole value, never the text before the comment."""
    _, xml = solicited(testapp, idp)
    doc = parse(xml)
    value = the(doc, './/saml:Attribute[@Name="cnp"]/saml:AttributeValue')
    value.text = CNP[:6]
    comment = etree.Comment('x')
    comment.tail = CNP[6:]
    value.append(comment)
    res = post(testapp, dump(doc))
    if res.status_int == 303:
        accounts = list(root.refresh()['dosare'].accounts.values())
        assert [a.cnp for a in accounts if a.cnp.startswith(CNP[:6])] == [CNP]
    else:
        watch.assert_refused(res)


@pytest.mark.parametrize('algorithm,digest', [(RSA_SHA1, SHA1), (RSA_SHA1, SHA256),
                                              (RSA_SHA256, SHA1)])
@pytest.mark.parametrize('sign', ['assertion', 'response'])
def test_sha1_signature_refused(testapp, idp, watch, algorithm, digest, sign):
    _, xml = solicited(testapp, idp, sign=sign, algorithm=algorithm, digest=digest)
    watch.assert_refused(post(testapp, xml), 'Deprecated')


# XML signature wrapping ---------------------------------------------------------------

def evil_assertion(signed_assertion, same_id=True):
    evil = copy.deepcopy(signed_assertion)
    for sig in evil.xpath('ds:Signature', namespaces=NS):
        evil.remove(sig)
    set_cnp(evil, OTHER_CNP)
    the(evil, 'saml:Subject/saml:NameID').text = 'pers-victim'
    if not same_id:
        evil.set('ID', new_id())
    return evil


@pytest.mark.parametrize('where', ['before', 'after'])
@pytest.mark.parametrize('same_id', [True, False])
def test_xsw_evil_assertion_beside_the_signed_one(testapp, idp, watch, where, same_id):
    _, xml = solicited(testapp, idp, sign='assertion')
    doc = parse(xml)
    signed = the(doc, 'saml:Assertion')
    evil = evil_assertion(signed, same_id)
    if where == 'before':
        signed.addprevious(evil)
    else:
        signed.addnext(evil)
    watch.assert_refused(post(testapp, dump(doc)))


def test_xsw_signed_assertion_moved_into_extensions(testapp, idp, watch):
    _, xml = solicited(testapp, idp, sign='assertion')
    doc = parse(xml)
    signed = the(doc, 'saml:Assertion')
    evil = evil_assertion(signed)
    signed.addprevious(evil)
    extensions = etree.Element(SAMLP + 'Extensions')
    the(doc, 'saml:Issuer').addnext(extensions)
    extensions.append(signed)                   # moves it
    watch.assert_refused(post(testapp, dump(doc)))


def test_xsw_signed_assertion_moved_into_the_signature_object(testapp, idp, watch):
    """The evil assertion carries the original signature, whose ds:Object holds
    the signed original (the reference still resolves by ID)."""
    _, xml = solicited(testapp, idp, sign='assertion')
    doc = parse(xml)
    signed = the(doc, 'saml:Assertion')
    evil = evil_assertion(signed)
    signature = copy.deepcopy(the(signed, 'ds:Signature'))
    the(evil, 'saml:Issuer').addnext(signature)
    obj = etree.SubElement(signature, DS + 'Object')
    signed.addprevious(evil)
    obj.append(signed)
    watch.assert_refused(post(testapp, dump(doc)))


def test_xsw_signed_response_wrapped_in_an_evil_one(testapp, idp, watch):
    """An evil unsigned Response whose Extensions hold the original signed Response."""
    _, xml = solicited(testapp, idp, sign='response')
    original = parse(xml)
    doc = copy.deepcopy(original)
    doc.set('ID', new_id())
    doc.remove(the(doc, 'ds:Signature'))
    set_cnp(the(doc, 'saml:Assertion'), OTHER_CNP)
    extensions = etree.Element(SAMLP + 'Extensions')
    the(doc, 'saml:Issuer').addnext(extensions)
    extensions.append(original)
    watch.assert_refused(post(testapp, dump(doc)))


def test_response_signature_reference_to_another_id(testapp, idp, watch):
    """The Response is signed, then renamed: its Signature points to an ID that is
    not its own any more (the original kept in Extensions)."""
    _, xml = solicited(testapp, idp, sign='response')
    doc = parse(xml)
    old_id = doc.get('ID')
    doc.set('ID', new_id())
    set_cnp(the(doc, 'saml:Assertion'), OTHER_CNP)
    extensions = etree.Element(SAMLP + 'Extensions')
    the(doc, 'saml:Issuer').addnext(extensions)
    decoy = etree.SubElement(extensions, '{urn:evil}Decoy', ID=old_id)
    decoy.text = 'x'
    watch.assert_refused(post(testapp, dump(doc)))


def test_assertion_signature_reference_to_the_response(testapp, idp, watch):
    """A Signature inside the assertion whose Reference names the Response."""
    request = start_login(testapp)
    response_id = new_id()
    unsigned = idp.response(cnp=CNP, in_response_to=request.id, sign=None,
                            response_id=response_id)
    signed_response = parse(sign_xml(unsigned, idp.key, idp.cert))
    signature = the(signed_response, 'ds:Signature')
    assertion = the(signed_response, 'saml:Assertion')
    the(assertion, 'saml:Issuer').addnext(signature)    # moved from Response to Assertion
    set_cnp(assertion, OTHER_CNP)
    watch.assert_refused(post(testapp, dump(signed_response)))


def test_signed_assertion_rewrapped_for_another_request(testapp, app, idp, watch):
    """A victim's assertion (signed, for the victim's request), put in a Response
    InResponseTo the attacker's own request."""
    victim = new_browser(app, '10.7.7.7')
    victim_request = start_login(victim)
    victim_xml = idp.response(cnp=OTHER_CNP, in_response_to=victim_request.id, sign='assertion')
    attacker_request = start_login(testapp)
    doc = parse(victim_xml)
    doc.set('InResponseTo', attacker_request.id)
    watch.assert_refused(post(testapp, dump(doc)), 'SubjectConfirmation')


def test_assertion_without_in_response_to_cannot_be_rewrapped(testapp, app, idp, watch):
    victim = new_browser(app, '10.7.7.9')
    victim_request = start_login(victim)
    victim_xml = idp.response(cnp=OTHER_CNP, in_response_to=victim_request.id,
                              scd_in_response_to=None, sign='assertion')
    attacker_request = start_login(testapp)
    doc = parse(victim_xml)
    doc.set('InResponseTo', attacker_request.id)
    watch.assert_refused(post(testapp, dump(doc)), 'SubjectConfirmation|InResponseTo')


# time -------------------------------------------------------------------------------

def test_expired_response_refused(testapp, idp, watch):
    _, xml = solicited(testapp, idp, not_before=-600, not_on_or_after=-120,
                       issue_instant=-300)
    watch.assert_refused(post(testapp, xml))


def test_expired_conditions_beyond_skew_refused(testapp, idp, watch):
    """Conditions NotOnOrAfter 2 minutes past (skew 60 s), SubjectConfirmation still valid."""
    _, xml = solicited(testapp, idp, not_on_or_after=-120, scd_not_on_or_after=300)
    watch.assert_refused(post(testapp, xml), 'expired')


def test_expired_subject_confirmation_refused(testapp, idp, watch):
    _, xml = solicited(testapp, idp, not_on_or_after=300, scd_not_on_or_after=-120)
    watch.assert_refused(post(testapp, xml), 'SubjectConfirmation')


def test_not_yet_valid_refused(testapp, idp, watch):
    _, xml = solicited(testapp, idp, not_before=300, issue_instant=300)
    watch.assert_refused(post(testapp, xml), 'not yet valid')


# replay --------------------------------------------------------------------------------

def test_replayed_response_refused(testapp, idp, root):
    request, xml = solicited(testapp, idp)
    assert post(testapp, xml, request.relay_state).status_int == 303
    testapp.post('/logout', {'csrf_token': testapp.cookies['cp_csrf']}, status=303)
    watch = Watch(testapp, root)
    watch.assert_refused(post(testapp, xml))
    # ... and after a fresh /saml/login too
    start_login(testapp)
    watch.assert_refused(post(testapp, xml))


def test_replayed_response_from_another_browser_refused(testapp, app, idp, root):
    request, xml = solicited(testapp, idp)
    post(testapp, xml)
    thief = new_browser(app, '10.8.8.8')
    start_login(thief)
    Watch(thief, root).assert_refused(post(thief, xml))


def test_reused_assertion_id_refused(testapp, idp, root):
    """The replay cache: an assertion id seen before is refused even in a
    Response to a new, genuine request (a replay the pending check would miss)."""
    assertion_id = new_id()
    _, xml = solicited(testapp, idp, assertion_id=assertion_id)
    post(testapp, xml)
    testapp.post('/logout', {'csrf_token': testapp.cookies['cp_csrf']}, status=303)
    watch = Watch(testapp, root)
    _, xml = solicited(testapp, idp, assertion_id=assertion_id)
    watch.assert_refused(post(testapp, xml), 'replayed assertion')


def test_replayed_unsolicited_response_refused(testapp, app, idp, root, monkeypatch):
    monkeypatch.setattr(app.registry.saml, 'allow_unsolicited', True)
    xml = idp.response(cnp=CNP)
    assert post(testapp, xml).status_int == 303
    other = new_browser(app)
    Watch(other, root).assert_refused(post(other, xml), 'replayed assertion')


# audience, destination, recipient, issuer -------------------------------------------

def test_wrong_audience_refused(testapp, idp, watch):
    _, xml = solicited(testapp, idp, audience='http://other-sp.example/saml/metadata')
    watch.assert_refused(post(testapp, xml), 'audience')


@pytest.mark.parametrize('destination', ['http://evil.example/saml/acs',
                                         'http://localhost/saml/sls', ''])
def test_wrong_destination_refused(testapp, idp, watch, destination):
    _, xml = solicited(testapp, idp, destination=destination)
    watch.assert_refused(post(testapp, xml), 'received at|Destination')


@pytest.mark.parametrize('recipient', ['http://evil.example/saml/acs',
                                       'http://localhost/saml/sls'])
def test_wrong_recipient_refused(testapp, idp, watch, recipient):
    _, xml = solicited(testapp, idp, recipient=recipient)
    watch.assert_refused(post(testapp, xml), 'SubjectConfirmation')


@pytest.mark.parametrize('field', ['recipient', 'destination'])
def test_recipient_and_destination_must_be_exactly_the_acs(testapp, idp, watch, field):
    url = {'recipient': 'http://evil.example/acs?next=' + SP_ACS,
           'destination': SP_ACS + '.evil.example/'}[field]
    _, xml = solicited(testapp, idp, **{field: url})
    watch.assert_refused(post(testapp, xml))


def post_for_another_sp(app, attacker, idp, host='other-sp.example'):
    """A malicious SP trusted by the same IdP (it picked its AuthnRequest ID = the
    attacker's pending request here) forwards a victim's assertion, issued to it,
    to our ACS with a forged Host header and the attacker's cp_saml cookie."""
    request = start_login(attacker)
    other = 'http://%s' % host
    xml = idp.response(cnp=OTHER_CNP, in_response_to=request.id,
                       audience=other + '/saml/metadata', recipient=other + '/saml/acs',
                       destination=other + '/saml/acs')
    script = Browser(app, extra_environ={'HTTP_HOST': host, 'REMOTE_ADDR': '10.1.1.1'})
    return script.post('/saml/acs', {'SAMLResponse': b64(xml)}, status='*',
                       headers={'Cookie': 'cp_saml=' + attacker.cookies['cp_saml']})


def test_assertion_for_another_sp_with_forged_host_refused(testapp, app, idp, watch):
    watch.assert_refused(post_for_another_sp(app, testapp, idp))


def test_forged_host_refused_when_public_url_is_pinned(app_settings, idp, db, root):
    from cityportal import main
    pinned = main({}, **dict(app_settings, **{'cityportal.public_url': 'http://localhost'}))
    pinned.registry._zodb_databases = {'': db}
    assert pinned.registry.saml.refresh()
    attacker = new_browser(pinned)
    Watch(attacker, root).assert_refused(post_for_another_sp(pinned, attacker, idp),
                                         'received at')


@pytest.mark.parametrize('where', ['response', 'assertion'])
def test_wrong_issuer_refused(testapp, idp, watch, where):
    request = start_login(testapp)
    if where == 'response':
        xml = idp.response(cnp=CNP, in_response_to=request.id, sign='both',
                           issuer='http://evil-idp.example/metadata')
    else:
        assertion = idp.assertion(in_response_to=request.id, attributes=roeid_attributes(CNP),
                                  issuer='http://evil-idp.example/metadata')
        xml = idp.response(in_response_to=request.id, assertion_xml=assertion)
    watch.assert_refused(post(testapp, xml), 'issuer')


def test_failed_status_refused(testapp, idp, watch):
    _, xml = solicited(testapp, idp, status='urn:oasis:names:tc:SAML:2.0:status:Responder',
                       sign='both')
    watch.assert_refused(post(testapp, xml), 'status')


def test_plain_assertion_refused_when_encryption_required(testapp, app, idp, watch,
                                                          monkeypatch):
    monkeypatch.setattr(app.registry.saml, 'want_assertions_encrypted', True)
    _, xml = solicited(testapp, idp, sign='both')
    watch.assert_refused(post(testapp, xml), 'not encrypted')


def test_encrypted_for_another_sp_refused(testapp, idp, watch):
    _, xml = solicited(testapp, idp, encrypt='aes256-cbc', sp_cert=idp.other_cert)
    watch.assert_refused(post(testapp, xml))


def test_duplicate_cnp_attribute_refused(testapp, idp, watch):
    attributes = roeid_attributes(CNP) + [('cnp', OTHER_CNP)]
    _, xml = solicited(testapp, idp, cnp=None, attributes=attributes)
    watch.assert_refused(post(testapp, xml), 'duplicated')


# InResponseTo ---------------------------------------------------------------------------

def test_in_response_to_another_browsers_request_refused(testapp, app, idp, watch):
    victim = new_browser(app, '10.7.7.8')
    victims_request = start_login(victim)
    start_login(testapp)                # the attacker has a cookie and a request of its own
    xml = idp.response(cnp=CNP, in_response_to=victims_request.id)
    watch.assert_refused(post(testapp, xml), 'not a request of this browser')
    # the victim's request was not spent by the attempt
    assert post(victim, xml).status_int == 303


@pytest.mark.parametrize('unsolicited_allowed', [False, True])
@pytest.mark.parametrize('with_cookie', [True, False])
def test_in_response_to_no_request_refused(testapp, app, idp, watch, monkeypatch,
                                           with_cookie, unsolicited_allowed):
    monkeypatch.setattr(app.registry.saml, 'allow_unsolicited', unsolicited_allowed)
    if with_cookie:
        start_login(testapp)
    xml = idp.response(cnp=CNP, in_response_to=new_id())
    watch.assert_refused(post(testapp, xml), 'not a request of this browser')


def test_response_to_an_expired_request_refused(testapp, idp, root):
    from cityportal.connectors.roeid.state import PENDING_TTL, STATE_KEY
    request, xml = solicited(testapp, idp)
    root.refresh()
    state = root.conn.root()[STATE_KEY]
    for key, entries in list(state.pending.items()):
        state.pending[key] = tuple((rid, kind, relay, created - PENDING_TTL - 1)
                                   for rid, kind, relay, created in entries)
    root.commit()
    Watch(testapp, root).assert_refused(post(testapp, xml), 'not a request of this browser')


def test_only_the_latest_requests_of_a_browser_are_kept(testapp, idp, root):
    from cityportal.connectors.roeid.state import MAX_PENDING_PER_BROWSER
    first, xml = solicited(testapp, idp)
    for _ in range(MAX_PENDING_PER_BROWSER):
        start_login(testapp)
    Watch(testapp, root).assert_refused(post(testapp, xml), 'not a request of this browser')


def test_response_without_the_browser_cookie_refused(testapp, app, idp, root):
    request, xml = solicited(testapp, idp)
    stranger = new_browser(app)
    Watch(stranger, root).assert_refused(post(stranger, xml), 'not a request of this browser')


def test_unsolicited_refused_by_default(testapp, idp, watch):
    start_login(testapp)
    watch.assert_refused(post(testapp, idp.response(cnp=CNP)), 'unsolicited')


def test_unsolicited_response_with_in_response_to_only_in_the_assertion_refused(
        testapp, idp, watch):
    """No InResponseTo on the Response, one in the SubjectConfirmation: still unsolicited."""
    request = start_login(testapp)
    xml = idp.response(cnp=CNP, in_response_to=None, scd_in_response_to=request.id)
    watch.assert_refused(post(testapp, xml), 'unsolicited')


def test_unsolicited_accepted_when_allowed(testapp, app, idp, root, monkeypatch):
    monkeypatch.setattr(app.registry.saml, 'allow_unsolicited', True)
    before = account_count(root)
    res = post(testapp, idp.response(cnp=CNP), relay='/servicii/')
    assert res.status_int == 303 and res.location == 'http://localhost/servicii/'
    assert account_count(root) == before + 1
    assert is_signed_in(testapp)


# RelayState / came_from -------------------------------------------------------------------

EVIL_TARGETS = ['//evil.example', '//evil.example/x', 'http://evil.example/',
                'https://evil.example/@@dosar', '/\\evil.example', '\\\\evil.example',
                'javascript:alert(1)', '/%0d%0aLocation:%20http://evil.example/',
                ' //evil.example', '/\t/evil.example']


def stays_here(location):
    from urllib.parse import urlsplit
    split = urlsplit(location)
    return (split.scheme, split.netloc) == ('http', 'localhost') and \
        not any(c in location for c in '\r\n\\')


@pytest.mark.parametrize('target', EVIL_TARGETS)
def test_came_from_never_leaves_the_portal(testapp, idp, target):
    request = start_login(testapp, came_from=target)
    assert request.relay_state.startswith('/') and not request.relay_state.startswith('//')
    assert '\\' not in request.relay_state
    xml = idp.response(cnp=CNP, in_response_to=request.id)
    res = post(testapp, xml, request.relay_state)
    assert res.status_int == 303 and stays_here(res.location), res.location


@pytest.mark.parametrize('target', EVIL_TARGETS)
def test_posted_relay_state_never_leaves_the_portal(testapp, idp, target):
    """The IdP (or an attacker) changes RelayState: the SP keeps its own."""
    request, xml = solicited(testapp, idp)
    res = post(testapp, xml, target)
    assert res.status_int == 303 and res.location == 'http://localhost/servicii/'


@pytest.mark.parametrize('target', EVIL_TARGETS)
def test_unsolicited_relay_state_never_leaves_the_portal(testapp, app, idp, monkeypatch,
                                                         target):
    monkeypatch.setattr(app.registry.saml, 'allow_unsolicited', True)
    res = post(testapp, idp.response(cnp=CNP), target)
    assert res.status_int == 303 and stays_here(res.location), res.location


def test_sign_in_page_link_never_leaves_the_portal(testapp):
    page = testapp.get('/@@autentificare', params={'came_from': '//evil.example/'})
    link = re.search(r'href="(http://localhost/saml/login\?came_from=[^"]*)"', page.text)
    assert link and 'evil' not in link.group(1)


# malformed input ------------------------------------------------------------------------

BILLION_LAUGHS = b'''<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_x" Version="2.0"
  IssueInstant="2024-01-01T00:00:00Z"><samlp:Status><samlp:StatusCode
  Value="&lol9;"/></samlp:Status></samlp:Response>'''

XXE = b'''<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_x" Version="2.0"
  IssueInstant="2024-01-01T00:00:00Z" InResponseTo="&xxe;"/>'''


@pytest.mark.parametrize('raw', [
    pytest.param('A' * (256 * 1024 + 4), id='oversize'),
    pytest.param('!!!! not base64 ****', id='not-base64'),
    pytest.param('PHNhbWxw', id='truncated-base64'),
    pytest.param(b64('hello, this is not XML'), id='base64-not-xml'),
    pytest.param(b64('<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"'),
                 id='broken-xml'),
    pytest.param(b64(b'\xff\xfe<\x00a\x00>\x00'), id='utf16-garbage'),
    pytest.param(b64(BILLION_LAUGHS), id='billion-laughs'),
    pytest.param(b64(XXE), id='xxe'),
    pytest.param(b64('<html><body>hi</body></html>'), id='not-a-response'),
    pytest.param(b64('<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"'
                     ' ID="_a" Version="2.0" IssueInstant="2024-01-01T00:00:00Z"/>'),
                 id='logout-request'),
    pytest.param('', id='empty'),
])
def test_malformed_saml_response_is_a_clean_refusal(testapp, idp, watch, raw):
    start_login(testapp)
    res = post(testapp, None, raw=raw)
    watch.assert_refused(res, status=(400,))


def test_billion_laughs_in_a_solicited_response(testapp, idp, watch):
    request = start_login(testapp)
    xml = BILLION_LAUGHS.replace(b'ID="_x"', b'ID="_x" InResponseTo="%s"'
                                 % request.id.encode())
    watch.assert_refused(post(testapp, xml), status=(400,))


def test_response_without_saml_response_field(testapp, idp, watch):
    start_login(testapp)
    res = testapp.post('/saml/acs', {'RelayState': '/'}, status='*')
    watch.assert_refused(res, status=(400,))


def test_acs_by_get_is_not_a_login(testapp, idp, root):
    request, xml = solicited(testapp, idp)
    res = testapp.get('/saml/acs', params={'SAMLResponse': b64(xml)}, status='*')
    assert res.status_int in (403, 404, 405)
    assert not is_signed_in(testapp)


# attributes -----------------------------------------------------------------------------

def assert_no_valid_cnp_page(res):
    assert res.status_int == 403
    assert 'nu a transmis un CNP valid' in res.text


@pytest.mark.parametrize('attributes', [
    pytest.param(roeid_attributes(wrong_check_digit(CNP)), id='wrong-check-digit'),
    pytest.param(roeid_attributes('123'), id='short'),
    pytest.param([('prenume', 'Ion'), ('nume', 'Popescu')], id='no-cnp'),
    pytest.param([('cnp', '')] + roeid_attributes(CNP)[1:], id='empty-cnp'),
    pytest.param(eidas_attributes(wrong_check_digit(OTHER_CNP)), id='eidas-wrong-check-digit'),
    pytest.param([('http://eidas.europa.eu/attributes/naturalperson/PersonIdentifier',
                   'DE/RO/' + CNP)], id='eidas-issued-by-another-country'),
])
def test_no_valid_cnp_refused_with_a_clear_page(testapp, idp, watch, attributes):
    _, xml = solicited(testapp, idp, cnp=None, attributes=attributes)
    res = post(testapp, xml)
    assert_no_valid_cnp_page(res)
    watch.assert_refused(res, 'attributes')


def test_no_attribute_statement_refused(testapp, idp, watch):
    _, xml = solicited(testapp, idp, cnp=None, attributes=None)
    watch.assert_refused(post(testapp, xml))


@pytest.mark.parametrize('loa', [LOA_LOW, 'urn:oasis:names:tc:SAML:2.0:ac:classes:Password',
                                 ''])
def test_low_level_of_assurance_refused(testapp, idp, watch, loa):
    _, xml = solicited(testapp, idp, loa=loa)
    watch.assert_refused(post(testapp, xml))


def test_refusal_does_not_spend_the_pending_request(testapp, idp, root):
    """A forged answer (refused) does not stop the genuine one that follows."""
    request = start_login(testapp)
    forged = idp.response(cnp=CNP, in_response_to=request.id, sign=None)
    Watch(testapp, root).assert_refused(post(testapp, forged))
    genuine = idp.response(cnp=CNP, in_response_to=request.id)
    assert post(testapp, genuine).status_int == 303
    assert is_signed_in(testapp)


# single logout ----------------------------------------------------------------------------

def signed_in_victim(app, idp, root, nameid='pers-victim-slo'):
    victim = new_browser(app, '10.9.9.9')
    login(victim, idp, nameid=nameid)
    assert is_signed_in(victim)
    return victim


@pytest.mark.parametrize('how', ['unsigned', 'other-key', 'sha1', 'tampered', 'wrong-issuer',
                                 'expired', 'wrong-destination'])
def test_bad_logout_request_logs_nobody_out(testapp, app, idp, root, how):
    victim = signed_in_victim(app, idp, root)
    refused = refused_count(root)
    options = {}
    xml = idp.logout_request('pers-victim-slo')
    if how == 'unsigned':
        options['sign'] = False
    elif how == 'other-key':
        options['key'] = idp.other_key
    elif how == 'sha1':
        options['algorithm'] = RSA_SHA1
    elif how == 'wrong-issuer':
        xml = idp.logout_request('pers-victim-slo', issuer='http://evil-idp.example/metadata')
    elif how == 'expired':
        xml = idp.logout_request('pers-victim-slo', not_on_or_after=-120)
    elif how == 'wrong-destination':
        xml = idp.logout_request('pers-victim-slo', destination='http://evil.example/sls')
    url = idp.redirect('SAMLRequest', xml, 'r', **options)
    if how == 'tampered':
        # a genuine signed request for someone else, retargeted at the victim
        other = idp.redirect('SAMLRequest', idp.logout_request('pers-someone-else'), 'r')
        url = other.replace(other.split('SAMLRequest=')[1].split('&')[0],
                            url.split('SAMLRequest=')[1].split('&')[0])
    for browser in (victim, testapp):       # the victim's own browser, or anyone's
        res = browser.get(url, status='*')
        assert res.status_int in (400, 403), res.status
        assert 'idp.test' not in res.headers.get('Location', '')
    assert is_signed_in(victim)
    assert refused_count(root) == refused + 2
    r = root.refresh()
    assert r.audit.latest(limit=1)[0]['details']['reason']
    assert not r.audit.latest(limit=1000, action='logout.roeid')


def test_replayed_logout_request_logs_nobody_out(testapp, app, idp, root):
    victim = signed_in_victim(app, idp, root)
    url = idp.redirect('SAMLRequest', idp.logout_request('pers-victim-slo'), 'r')
    victim.get(url, status=303)                 # genuine: the victim is logged out
    assert not is_signed_in(victim)
    login(victim, idp, nameid='pers-victim-slo')
    assert is_signed_in(victim)
    res = testapp.get(url, status='*')          # the same message, replayed by anyone
    assert res.status_int in (400, 403)
    assert is_signed_in(victim)


def test_logout_response_without_our_request_refused(testapp, app, idp, root):
    victim = signed_in_victim(app, idp, root)
    url = idp.redirect('SAMLResponse', idp.logout_response(new_id()))
    victim.get(url, status=403)
    assert is_signed_in(victim)


def test_unsigned_logout_response_refused(testapp, idp, root, sp_cert):
    login(testapp, idp)
    form = [f for f in testapp.get(testapp.get('/@@dosar').location).forms.values()
            if f.action.endswith('/saml/logout')][0]
    msg = parse_redirect(form.submit(status=303).location)
    refused = refused_count(root)
    url = idp.redirect('SAMLResponse', idp.logout_response(msg.id), sign=False)
    testapp.get(url, status=400)
    url = idp.redirect('SAMLResponse', idp.logout_response(msg.id), key=idp.other_key)
    testapp.get(url, status=403)
    assert refused_count(root) == refused + 2


def test_malformed_logout_messages_are_clean_refusals(testapp, idp, root):
    for query in ('SAMLRequest=%%%&Signature=x', 'SAMLRequest=aGVsbG8=&Signature=eA==',
                  'SAMLResponse=aGVsbG8=&Signature=eA==&SigAlg=' + RSA_SHA256,
                  'Signature=abc', ''):
        res = testapp.get('/saml/sls?' + query, status='*')
        assert res.status_int in (400, 403), (query, res.status)
