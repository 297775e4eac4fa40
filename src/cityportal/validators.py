"""Romanian identifiers: CNP, CUI, IBAN, cadastral number, phone.

Pure functions (``is_valid_cnp`` ...) used by the form generator, the SAML
attribute mapping (a CNP from ROeID is checked too) and the importers; and
colander validators with Romanian messages built on them.
"""
import datetime
import re

import colander

from .i18n import _

CNP_KEY = '279146358279'
#: JJ: counties 01-46 (40-46 Bucharest and its sectors), 47-48 (old Bucharest
#: sectors 7-8), 51 Călărași, 52 Giurgiu, 70 (any county, CNPs issued since 2024)
CNP_COUNTIES = set(range(1, 49)) | {51, 52, 70}
_CENTURY = {'1': 1900, '2': 1900, '3': 1800, '4': 1800, '5': 2000, '6': 2000,
            '7': None, '8': None, '9': 1900}


def cnp_birth_date(cnp):
    """The birth date a valid CNP encodes, or None (residents 7/8: century unknown)."""
    century = _CENTURY.get(cnp[0])
    year2, month, day = int(cnp[1:3]), int(cnp[3:5]), int(cnp[5:7])
    candidates = [century] if century else [2000, 1900]
    for c in candidates:
        try:
            date = datetime.date(c + year2, month, day)
        except ValueError:
            continue
        if date <= datetime.date.today() or century:
            return date
    return None


def cnp_check_digit(first12):
    total = sum(int(d) * int(k) for d, k in zip(first12, CNP_KEY))
    rest = total % 11
    return 1 if rest == 10 else rest


def cnp_problem(value):
    """None if ``value`` is a valid CNP, else the reason (a translation string)."""
    if not isinstance(value, str) or not re.fullmatch(r'\d{13}', value):
        return _('CNP-ul are exact 13 cifre.')
    if value[0] == '0':
        return _('Prima cifră a CNP-ului (sexul și secolul) nu poate fi 0.')
    month, day = int(value[3:5]), int(value[5:7])
    if not 1 <= month <= 12 or not 1 <= day <= 31 or cnp_birth_date(value) is None:
        return _('Data nașterii din CNP nu este o dată validă.')
    if int(value[7:9]) not in CNP_COUNTIES:
        return _('Codul de județ din CNP nu există.')
    if cnp_check_digit(value[:12]) != int(value[12]):
        return _('CNP-ul nu este valid: cifra de control nu corespunde.')
    return None


def is_valid_cnp(value):
    return cnp_problem(value) is None


def mask_cnp(cnp):
    """'1850315••••55': enough to recognise, never the whole number."""
    if not cnp or len(cnp) < 13:
        return '•' * 13
    return cnp[:7] + '••••' + cnp[11:]


CUI_KEY = '753217532'


def normalize_cui(value):
    value = (value or '').strip().upper().replace(' ', '')
    return value[2:] if value.startswith('RO') else value


def cui_problem(value):
    cui = normalize_cui(value)
    if not re.fullmatch(r'\d{2,10}', cui):
        return _('CUI-ul are între 2 și 10 cifre (opțional precedate de RO).')
    body, control = cui[:-1].rjust(9, '0'), int(cui[-1])
    total = sum(int(d) * int(k) for d, k in zip(body, CUI_KEY)) * 10
    expected = total % 11
    if expected == 10:
        expected = 0
    if expected != control:
        return _('CUI-ul nu este valid: cifra de control nu corespunde.')
    return None


def is_valid_cui(value):
    return cui_problem(value) is None


def normalize_iban(value):
    return re.sub(r'\s+', '', value or '').upper()


def iban_problem(value):
    iban = normalize_iban(value)
    if not re.fullmatch(r'[A-Z]{2}\d{2}[A-Z0-9]{10,30}', iban):
        return _('IBAN-ul începe cu codul țării și are între 14 și 34 de caractere.')
    if iban.startswith('RO') and len(iban) != 24:
        return _('Un IBAN românesc are exact 24 de caractere.')
    rearranged = iban[4:] + iban[:4]
    digits = ''.join(str(int(c, 36)) for c in rearranged)
    if int(digits) % 97 != 1:
        return _('IBAN-ul nu este valid: cifrele de control nu corespund.')
    return None


def is_valid_iban(value):
    return iban_problem(value) is None


_CADASTRAL = re.compile(r'^\d{1,10}(-[A-Z0-9]{1,6}){0,4}$')


def cadastral_problem(value):
    if not _CADASTRAL.match((value or '').strip().upper()):
        return _('Numărul cadastral are doar cifre, eventual urmate de „-C1”, „-U2” etc.')
    return None


_PHONE = re.compile(r'^(\+40|0040|0)\d{9}$')


def normalize_phone(value):
    return re.sub(r'[\s.\-()/]', '', value or '')


def phone_problem(value):
    phone = normalize_phone(value)
    romanian = phone.startswith(('+40', '0040')) or (phone.startswith('0') and
                                                     not phone.startswith('00'))
    if _PHONE.match(phone) if romanian else re.fullmatch(r'(\+|00)\d{8,15}', phone):
        return None
    return _('Numărul de telefon nu este valid (de exemplu 0722 123 456 sau +40 722 123 456).')


class _ProblemValidator:
    """A colander validator from a ``*_problem`` function."""

    def __init__(self, problem):
        self.problem = problem

    def __call__(self, node, value):
        message = self.problem(value)
        if message is not None:
            raise colander.Invalid(node, message)


cnp_validator = _ProblemValidator(cnp_problem)
cui_validator = _ProblemValidator(cui_problem)
iban_validator = _ProblemValidator(iban_problem)
cadastral_validator = _ProblemValidator(cadastral_problem)
phone_validator = _ProblemValidator(phone_problem)
