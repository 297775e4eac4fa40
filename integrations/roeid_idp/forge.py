"""Forged ROeID Responses, in process, for the service provider's attack tests.

A :class:`ResponseForge` holds the IdP's keys and one SP's metadata and returns the XML of a
Response for a test citizen, signed and encrypted exactly as the running IdP would (same
:func:`~integrations.roeid_idp.idp.issue_response`, same pysaml2 Server subclass), except for
the parts a test chooses to get wrong::

    from integrations.roeid_idp.forge import ResponseForge

    forge = ResponseForge('http://127.0.0.1:8470/metadata',      # IdP entity id
                          sp_metadata='var/sp-metadata.xml',     # a path, or the XML itself
                          keys_dir='var/roeid_idp')              # or key_file=, cert_file=
    good = forge.response('ioana.stefanescu', in_response_to=request_id)
    bad = forge.response('ioana.stefanescu', in_response_to=request_id,
                         audience='https://alt-serviciu.example/saml/metadata')
    post_data = {'SAMLResponse': forge.encode(bad), 'RelayState': '/'}

With the IdP's own keys directory the forged NameIDs equal the ones the running IdP issues
(they derive from the private key). Use another keys directory to forge with a key the SP does
not trust.

``response(citizen, **overrides)``: ``citizen`` is a username from citizens.py or a
:class:`~integrations.roeid_idp.citizens.Citizen`. Keyword overrides (all optional):

=========================  ===================================================================
``in_response_to``         InResponseTo of Response and SubjectConfirmationData (default:
                           none, i.e. an unsolicited Response)
``destination``            Response Destination (default: the SP's ACS from its metadata)
``recipient``              SubjectConfirmationData Recipient (default: that ACS, whatever
                           ``destination`` says)
``audience``               the Audience (default: the SP entity id)
``issuer``                 Issuer of Response and Assertion (default: the IdP entity id)
``not_before``             Conditions NotBefore
``not_on_or_after``        Conditions and SubjectConfirmationData NotOnOrAfter (default: now
                           + 5 minutes)
``issue_instant``          the Assertion's IssueInstant
``assertion_id``           the Assertion's ID (e.g. to replay one the SP has seen)
``sign_response``          sign the Response (default True)
``sign_assertion``         sign the Assertion (default True)
``encrypt_assertion``      EncryptedAssertion to the SP's encryption certificate (False)
``encrypt_name_id``        EncryptedID instead of NameID (False)
``attributes``             dict merged over the citizen's attributes: {SAML name: value or
                           [values]}, a None value removes that attribute
``session_index``          the SessionIndex (default: a new random one)
``loa``                    ``low``, ``substantial`` or ``high`` (default: the forge's)
=========================  ===================================================================

Times are a ``datetime`` (naive means UTC), a ``timedelta`` from now (``timedelta(minutes=-1)``
is a minute ago) or a SAML time string used as it is.
"""
import base64
import datetime
import time

from .citizens import BY_USERNAME
from .idp import LOA
from .idp import RoeidServer
from .idp import acs_locations
from .idp import build_config
from .idp import issue_response
from .idp import new_session_index
from .keys import KeyPair
from .keys import ensure_keys


class ResponseForge:
    """Responses for one SP, signed with the IdP's keys (see the module docstring)."""

    def __init__(self, idp_entity_id, sp_metadata, *, keys_dir=None, key_file=None,
                 cert_file=None, sp_entity_id=None, attribute_profile='both',
                 loa='substantial'):
        if keys_dir is not None:
            keys = ensure_keys(keys_dir)
        elif key_file is not None and cert_file is not None:
            keys = KeyPair(key_file, cert_file)
        else:
            raise TypeError('ResponseForge needs keys_dir, or key_file and cert_file')
        if sp_metadata.lstrip().startswith('<'):
            metadata = {'inline': [sp_metadata]}
        else:
            metadata = {'local': [sp_metadata]}
        base_url = idp_entity_id.removesuffix('/metadata')
        self.server = RoeidServer(build_config(base_url, keys.key_file, keys.cert_file,
                                               metadata, entity_id=idp_entity_id))
        known = sorted(self.server.metadata.keys())
        if sp_entity_id is None:
            if len(known) != 1:
                raise ValueError(f'the SP metadata holds {len(known)} entities; '
                                 'say which with sp_entity_id')
            sp_entity_id = known[0]
        elif sp_entity_id not in known:
            raise ValueError(f'{sp_entity_id} is not in the SP metadata')
        self.sp_entity_id = sp_entity_id
        self.acs_url = acs_locations(self.server, sp_entity_id)[0]
        self.attribute_profile = attribute_profile
        self.loa = loa

    def response(self, citizen, *, in_response_to=None, destination=None, recipient=None,
                 audience=None, issuer=None, not_before=None, not_on_or_after=None,
                 issue_instant=None, assertion_id=None, sign_response=True,
                 sign_assertion=True, encrypt_assertion=False, encrypt_name_id=False,
                 attributes=None, session_index=None, loa=None):
        """The XML (str) of a Response about ``citizen`` with the given overrides."""
        if isinstance(citizen, str):
            citizen = BY_USERNAME[citizen]
        released = citizen.attributes(self.attribute_profile)
        for name, value in (attributes or {}).items():
            if value is None:
                released.pop(name, None)
            else:
                released[name] = value if isinstance(value, list) else [value]

        def adjust(assertion):
            for confirmation in assertion.subject.subject_confirmation:
                data = confirmation.subject_confirmation_data
                data.recipient = recipient if recipient is not None else self.acs_url
                if not_on_or_after is not None:
                    data.not_on_or_after = saml_time(not_on_or_after)
            conditions = assertion.conditions
            if audience is not None:
                conditions.audience_restriction[0].audience[0].text = audience
            if not_before is not None:
                conditions.not_before = saml_time(not_before)
            if not_on_or_after is not None:
                conditions.not_on_or_after = saml_time(not_on_or_after)
            if issue_instant is not None:
                assertion.issue_instant = saml_time(issue_instant)
            if assertion_id is not None:
                assertion.id = assertion_id

        return issue_response(
            self.server, sp_entity_id=self.sp_entity_id,
            acs_url=destination if destination is not None else self.acs_url,
            in_response_to=in_response_to,
            name_id=self.server.name_id(self.sp_entity_id, citizen.username),
            attributes=released, loa=LOA[loa or self.loa], authn_instant=time.time(),
            session_index=session_index or new_session_index(),
            sign_response=sign_response, sign_assertion=sign_assertion,
            encrypt_assertion=encrypt_assertion, encrypt_name_id=encrypt_name_id,
            issuer=issuer, adjust=adjust)

    @staticmethod
    def encode(xml):
        """``xml`` as the SAMLResponse value of an HTTP-POST binding form."""
        return base64.b64encode(xml.encode('utf-8')).decode('ascii')


def saml_time(value):
    """A SAML dateTime (UTC, ``Z``) from a datetime, a timedelta from now, or a string."""
    if isinstance(value, str):
        return value
    if isinstance(value, datetime.timedelta):
        value = datetime.datetime.now(datetime.timezone.utc) + value
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.timezone.utc)
    return value.astimezone(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')
