"""From the IdP's attributes to the portal's person record.

The map (etc/roeid/attribute-map.yaml) lists, per field, the attribute names
that may carry it. The CNP is the key of a citizen's account: it must be
present and pass the checksum, or the login is refused.
"""
import re
from dataclasses import dataclass, field

import yaml

from ...validators import cnp_problem

FIELDS = ('cnp', 'given_name', 'family_name', 'birth_date', 'email', 'phone', 'address',
          'locality', 'county')
_EIDAS_ID = re.compile(r'^([A-Z]{2})/([A-Z]{2})/(.+)$')
MAX_VALUE = 300


class AttributeError_(ValueError):
    """The assertion's attributes cannot make a citizen (reason in args[0])."""


@dataclass
class Person:
    cnp: str
    given_name: str = ''
    family_name: str = ''
    birth_date: str = ''
    email: str = ''
    phone: str = ''
    address: str = ''
    locality: str = ''
    county: str = ''
    extra: dict = field(default_factory=dict)

    @property
    def full_name(self):
        return ' '.join(p for p in (self.given_name, self.family_name) if p)


def load_attribute_map(path):
    with open(path, encoding='utf-8') as f:
        data = yaml.safe_load(f) or {}
    unknown = set(data) - set(FIELDS)
    if unknown:
        raise ValueError('%s: unknown fields %s' % (path, ', '.join(sorted(unknown))))
    if 'cnp' not in data:
        raise ValueError('%s: the map must say where the CNP comes from' % path)
    return {k: [str(n) for n in (v or ())] for k, v in data.items()}


def _first(values):
    if isinstance(values, (list, tuple)):
        values = [v for v in values if v not in (None, '')]
        return str(values[0]) if values else ''
    return '' if values is None else str(values)


def cnp_from(value):
    """The CNP in an attribute value: plain, or an eIDAS identifier RO/xx/<CNP>."""
    value = value.strip()
    m = _EIDAS_ID.match(value)
    if m:
        if m.group(1) != 'RO':
            raise AttributeError_('identifier issued by %s, not RO' % m.group(1))
        value = m.group(3).strip()
    return value


def map_attributes(attribute_map, attributes, friendly=None):
    """A :class:`Person` from SAML attributes (dicts of name -> list of values)."""
    friendly = friendly or {}
    found = {}
    for name in FIELDS:
        for attr in attribute_map.get(name, ()):
            value = _first(attributes.get(attr)) or _first(friendly.get(attr))
            if value:
                found[name] = value.strip()[:MAX_VALUE]
                break
    raw = found.get('cnp', '')
    if not raw:
        raise AttributeError_('no CNP attribute')
    cnp = cnp_from(raw)
    problem = cnp_problem(cnp)
    if problem is not None:
        raise AttributeError_('CNP not valid (%s)' % problem)
    found['cnp'] = cnp
    return Person(**found)
