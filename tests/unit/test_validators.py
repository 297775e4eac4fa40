"""CNP, CUI, IBAN, cadastral number and phone checks (Romanian rules)."""
import colander
import pytest

from cityportal import validators as v

VALID_CNPS = ['1850315350012', '6050120350090', '2991231400000']


def _with_check(first12):
    return first12 + str(v.cnp_check_digit(first12))


def test_valid_cnps():
    for cnp in VALID_CNPS:
        assert v.is_valid_cnp(cnp), cnp


@pytest.mark.parametrize('cnp, reason', [
    ('185031535001', '13 cifre'),                      # 12 digits
    ('18503153500123', '13 cifre'),
    ('185031535001a', '13 cifre'),
    ('1850315350013', 'cifra de control'),              # wrong check digit
    ('0850315350012', 'nu poate fi 0'),
    (_with_check('185133135001'), 'Data nașterii'),     # month 13
    (_with_check('185023035001'), 'Data nașterii'),     # 30 February
    (_with_check('185031560001'), 'județ'),             # county 60
])
def test_invalid_cnps(cnp, reason):
    problem = v.cnp_problem(cnp)
    assert problem is not None and reason in problem


def test_leap_day_and_county_70():
    assert v.is_valid_cnp(_with_check('500022970001'))    # 29.02.2000
    assert not v.is_valid_cnp(_with_check('501022970001'))  # 29.02.2001
    assert v.is_valid_cnp(_with_check('185031570001'))    # county code 70


def test_mask_cnp_never_shows_it_whole():
    assert v.mask_cnp('1850315350012') == '1850315••••12'
    assert '3500' not in v.mask_cnp('1850315350012')


@pytest.mark.parametrize('cui, ok', [('14756536', True), ('RO14756536', True),
                                     ('ro 14756536', True), ('14756535', False),
                                     ('1', False), ('12345678901', False), ('abc', False)])
def test_cui(cui, ok):
    assert v.is_valid_cui(cui) is ok


@pytest.mark.parametrize('iban, ok', [
    ('RO49AAAA1B31007593840000', True), ('ro49 aaaa 1b31 0075 9384 0000', True),
    ('RO49AAAA1B31007593840001', False), ('RO49AAAA1B3100759384000', False),
    ('GB82WEST12345698765432', True), ('XX', False)])
def test_iban(iban, ok):
    assert v.is_valid_iban(iban) is ok


@pytest.mark.parametrize('value, ok', [('401234', True), ('401234-C1-U2', True),
                                       ('abc', False), ('12 34', False), ('', False)])
def test_cadastral(value, ok):
    assert (v.cadastral_problem(value) is None) is ok


@pytest.mark.parametrize('value, ok', [('0722 123 456', True), ('+40 722 123 456', True),
                                       ('0256.408.300', True), ('12345', False),
                                       ('+40 7221234567', False)])
def test_phone(value, ok):
    assert (v.phone_problem(value) is None) is ok


def test_colander_validators_raise_romanian_messages():
    node = colander.SchemaNode(colander.String(), name='cnp')
    with pytest.raises(colander.Invalid) as e:
        v.cnp_validator(node, '1850315350013')
    assert 'cifra de control' in e.value.asdict()['cnp']
    v.cnp_validator(node, '1850315350012')
