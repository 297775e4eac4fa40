"""The outbox: a submission leaves a registry message; operators see it, others do not."""
import pytest

from cityportal.bus.outbox import PENDING, Outbox, get_outbox


def test_enqueue_is_idempotent_by_key():
    outbox = Outbox()
    first = outbox.enqueue('registry.register', {'number': 'TM-2026-000001'}, key='k1', now=10)
    again = outbox.enqueue('registry.register', {'number': 'other'}, key='k1', now=11)
    assert first is again and len(outbox) == 1
    assert first.state == PENDING and first.payload == {'number': 'TM-2026-000001'}
    outbox.enqueue('tax.fee', {}, key='k2', now=12)
    assert [m.key for m in outbox.pending()] == ['k1', 'k2']
    assert [m.key for m in outbox.pending(kind='tax.fee')] == ['k2']


@pytest.fixture
def message(root):
    get_outbox(root).enqueue('registry.register', {'number': 'TM-2026-000042',
                                                   'case': '/dosare/d1/tm-2026-000042'},
                             key='registry.register:TM-2026-000042')
    root.commit()


@pytest.mark.parametrize('who, status', [('operator', 200), ('admin', 200),
                                         ('functionar', 403), ('editor', 403)])
def test_operators_see_the_outbox(testapp, message, who, status):
    testapp.login(who)
    res = testapp.get('/integrari/@@outbox', status=status)
    if status == 200:
        assert 'registry.register' in res.text and 'TM-2026-000042' in res.text
        assert 'în așteptare' in res.text
        filtered = testapp.get('/integrari/@@outbox?stare=dead')
        assert 'TM-2026-000042' not in filtered.text


def test_anonymous_is_sent_to_login(testapp, message):
    res = testapp.get('/integrari/@@outbox', status=302)
    assert '/login?came_from=' in res.location
