"""The test citizens of the ROeID stand-in and the attributes released about them.

Every citizen signs in with the password ``roeid``. The CNPs (cod numeric personal, 13 digits:
S YY MM DD JJ NNN C) are fictitious but valid: the century/sex digit S matches the birth date,
JJ is a real county code (35 = Timiș, 12 = Cluj, 02 = Arad, 43 = București sector 3) and C is the
check digit. tests/integration/test_roeid_idp.py recomputes every check digit, so a typo here
fails the tests rather than the service provider's refusal logic.

Two citizens exist only for the service provider's negative tests: ``cnp-gresit`` carries a CNP
whose check digit is wrong, ``fara-cnp`` is released without any CNP (neither ``cnp`` nor the
eIDAS PersonIdentifier).

Attributes come in two families, chosen with ``--attributes roeid|eidas|both``:

* ROeID short names (NameFormat ``basic``): cnp, nume, prenume, email, telefon, data_nasterii,
  adresa, localitate, judet;
* eIDAS natural-person attributes (NameFormat ``uri``): PersonIdentifier (``RO/RO/<CNP>``),
  CurrentGivenName, CurrentFamilyName, DateOfBirth.
"""
import hmac
from dataclasses import dataclass

from saml2.saml import NAME_FORMAT_BASIC
from saml2.saml import NAME_FORMAT_URI

PASSWORD = 'roeid'

EIDAS = 'http://eidas.europa.eu/attributes/naturalperson/'
PERSON_IDENTIFIER = EIDAS + 'PersonIdentifier'
GIVEN_NAME = EIDAS + 'CurrentGivenName'
FAMILY_NAME = EIDAS + 'CurrentFamilyName'
DATE_OF_BIRTH = EIDAS + 'DateOfBirth'

#: Attribute name -> (NameFormat, FriendlyName), in the order they are released.
ATTRIBUTES = {
    'cnp': (NAME_FORMAT_BASIC, 'cnp'),
    'nume': (NAME_FORMAT_BASIC, 'nume'),
    'prenume': (NAME_FORMAT_BASIC, 'prenume'),
    'email': (NAME_FORMAT_BASIC, 'email'),
    'telefon': (NAME_FORMAT_BASIC, 'telefon'),
    'data_nasterii': (NAME_FORMAT_BASIC, 'data_nasterii'),
    'adresa': (NAME_FORMAT_BASIC, 'adresa'),
    'localitate': (NAME_FORMAT_BASIC, 'localitate'),
    'judet': (NAME_FORMAT_BASIC, 'judet'),
    PERSON_IDENTIFIER: (NAME_FORMAT_URI, 'PersonIdentifier'),
    GIVEN_NAME: (NAME_FORMAT_URI, 'FirstName'),
    FAMILY_NAME: (NAME_FORMAT_URI, 'FamilyName'),
    DATE_OF_BIRTH: (NAME_FORMAT_URI, 'DateOfBirth'),
}

PROFILES = ('roeid', 'eidas', 'both')


@dataclass(frozen=True)
class Citizen:
    """One test account: who the citizen is and why the account exists."""

    username: str
    given_names: str
    family_name: str
    cnp: str | None
    birth_date: str  # YYYY-MM-DD
    email: str
    phone: str
    address: str
    locality: str
    county: str
    purpose: str

    @property
    def full_name(self):
        return f'{self.given_names} {self.family_name}'

    @property
    def log_label(self):
        """How log lines name the citizen: username and masked CNP, never the whole CNP."""
        return f'{self.username} ({mask_cnp(self.cnp)})'

    def attributes(self, profile='both'):
        """The attributes released for this citizen, as {SAML name: [value]}.

        ``profile`` is ``roeid`` (short names), ``eidas`` (eIDAS URIs) or ``both``.
        """
        if profile not in PROFILES:
            raise ValueError(f'unknown attribute profile {profile!r}')
        released = {}
        if profile in ('roeid', 'both'):
            released.update({
                'cnp': self.cnp,
                'nume': self.family_name,
                'prenume': self.given_names,
                'email': self.email,
                'telefon': self.phone,
                'data_nasterii': self.birth_date,
                'adresa': self.address,
                'localitate': self.locality,
                'judet': self.county,
            })
        if profile in ('eidas', 'both'):
            released.update({
                PERSON_IDENTIFIER: f'RO/RO/{self.cnp}' if self.cnp else None,
                GIVEN_NAME: self.given_names,
                FAMILY_NAME: self.family_name,
                DATE_OF_BIRTH: self.birth_date,
            })
        return {name: [value] for name, value in released.items() if value is not None}


def mask_cnp(cnp):
    """A CNP fit for a log line: ``CNP`` + the first 7 digits (sex and birth date), ••••
    and the last 2."""
    if not cnp:
        return 'fără CNP'
    return f'CNP {cnp[:7]}••••{cnp[-2:]}'


CITIZENS = (
    Citizen(
        username='ioana.stefanescu', given_names='Ioana', family_name='Ștefănescu',
        cnp='2850314352170', birth_date='1985-03-14',
        email='ioana.stefanescu@example.org', phone='+40712000001',
        address='Str. Mărășești nr. 12, ap. 4, Timișoara, jud. Timiș',
        locality='Timișoara', county='Timiș',
        purpose='cetățean obișnuit, născut în Timiș (cazul de bază)'),
    Citizen(
        username='mihai.turcanu', given_names='Mihai', family_name='Țurcanu',
        cnp='1781102350483', birth_date='1978-11-02',
        email='mihai.turcanu@example.org', phone='+40712000002',
        address='Bd. Revoluției din 1989 nr. 5, Timișoara, jud. Timiș',
        locality='Timișoara', county='Timiș',
        purpose='bărbat, Ț la începutul numelui de familie'),
    Citizen(
        username='ana-maria.balan', given_names='Ana-Maria', family_name='Bălan',
        cnp='6030721123050', birth_date='2003-07-21',
        email='ana-maria.balan@example.org', phone='+40712000003',
        address='Str. Eroilor de la Tisa nr. 27, Timișoara, jud. Timiș',
        locality='Timișoara', county='Timiș',
        purpose='născută după 2000 (S = 6), în Cluj; prenume compus cu cratimă'),
    Citizen(
        username='andrei.ionescu', given_names='Andrei Gheorghe', family_name='Ionescu',
        cnp='1690130431217', birth_date='1969-01-30',
        email='andrei.ionescu@example.org', phone='+40712000004',
        address='Calea Dudești nr. 101, București, Sector 3',
        locality='București', county='București',
        purpose='al doilea prenume; CNP eliberat în București, sectorul 3'),
    Citizen(
        username='elena.dragoi', given_names='Elena', family_name='Drăgoi',
        cnp='2520908020773', birth_date='1952-09-08',
        email='elena.dragoi@example.org', phone='+40712000005',
        address='Str. Gheorghe Doja nr. 8, Lipova, jud. Arad',
        locality='Lipova', county='Arad',
        purpose='pensionară, născută în Arad, locuiește în alt județ'),
    Citizen(
        username='gabriela.taranu', given_names='Gabriela', family_name='Țăranu',
        cnp='2900517352649', birth_date='1990-05-17',
        email='gabriela.taranu@example.org', phone='+40712000006',
        address='Str. Ion Ionescu de la Brad nr. 3, Timișoara, jud. Timiș',
        locality='Timișoara', county='Timiș',
        purpose='părinte: depune cereri pentru copilul minor'),
    Citizen(
        username='stefan.oprea', given_names='Ștefan', family_name='Oprea',
        cnp='5011203350194', birth_date='2001-12-03',
        email='stefan.oprea@example.org', phone='+40712000007',
        address='Str. Ștefan cel Mare nr. 14, Timișoara, jud. Timiș',
        locality='Timișoara', county='Timiș',
        purpose='născut după 2000 (S = 5); Ș la începutul prenumelui'),
    Citizen(
        username='cnp-gresit', given_names='Vasile', family_name='Pop',
        cnp='1810625354024', birth_date='1981-06-25',
        email='vasile.pop@example.org', phone='+40712000008',
        address='Str. Paris nr. 2, Timișoara, jud. Timiș',
        locality='Timișoara', county='Timiș',
        purpose='NEGATIV: cifra de control a CNP-ului este greșită (corect: …4021)'),
    Citizen(
        username='fara-cnp', given_names='Maria', family_name='Neagu',
        cnp=None, birth_date='1994-02-11',
        email='maria.neagu@example.org', phone='+40712000009',
        address='Str. Alba Iulia nr. 9, Timișoara, jud. Timiș',
        locality='Timișoara', county='Timiș',
        purpose='NEGATIV: nu primește niciun CNP (nici cnp, nici PersonIdentifier)'),
)

BY_USERNAME = {citizen.username: citizen for citizen in CITIZENS}


def authenticate(username, password):
    """The citizen with these credentials, or None."""
    citizen = BY_USERNAME.get((username or '').strip().lower())
    if citizen is not None and hmac.compare_digest((password or '').encode(), PASSWORD.encode()):
        return citizen
    return None
