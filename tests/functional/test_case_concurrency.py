"""Two clerks acting on the same case at the same moment: one wins, the other gets a
clear message and loses nothing they typed.

Every action form carries ``versiune`` (the number of events the clerk saw). A stale
one changes nothing and brings the page back (409) with who did what and the typed
text still in its box. Two commits truly at the same time meet a ZODB ConflictError;
pyramid_retry runs the loser again, which then sees the new version: still no 500.
"""
import threading

import pytest

from cityportal.cases import api as cases_api
from cityportal.cases import workflow
from cityportal.testing import Browser, action_form, case_url, make_case
from tests.functional.test_case_clerk import (  # noqa: F401
    ANSWERS, advance, fresh, new_case, site)

STALE = 'Cererea a fost modificată între timp de'


@pytest.fixture
def case(root, registry, site):  # noqa: F811
    case = new_case(root, registry, site, attachment=False)
    advance(fresh(root, case), registry, 'register', 'assign', 'start')
    root.commit()
    return case


@pytest.fixture
def clerks(app, testapp):
    """Two signed-in browsers: the assigned clerk (A) and the head of department (B)."""
    other = Browser(app, extra_environ={'HTTP_HOST': 'localhost', 'REMOTE_ADDR': '10.0.0.2'})
    testapp.login('functionar')
    other.login('semnatar')
    return testapp, other


def test_a_stale_action_changes_nothing_and_keeps_the_reason(root, case, clerks):
    a, b = clerks
    page_a = a.get(case_url(case))
    form = action_form(page_a, 'reject')
    form['motiv'] = 'Lipsește avizul de mediu.'
    page_b = b.get(case_url(case))
    extend = action_form(page_b, 'extend')
    extend['motiv'] = 'Așteptăm avizul comisiei.'
    extend.submit(status=303)
    before = fresh(root, case)
    events = len(before.events)

    res = form.submit(status=409)
    assert STALE + ' Ioana Dăscălescu (Termen prelungit). Verificați și reluați acțiunea.' \
        in res.text
    assert 'role="status"' in res.text
    again = action_form(res, 'reject')
    assert again['motiv'].value == 'Lipsește avizul de mediu.'
    c = fresh(root, case)
    assert c.state == workflow.IN_PROGRESS and len(c.events) == events

    again.submit(status=303)        # checked, taken again: now it goes through
    c = fresh(root, case)
    assert c.state == workflow.REJECTED and c.events[-1]['reason'] == 'Lipsește avizul de mediu.'


def test_a_stale_note_is_kept(root, case, clerks):
    a, b = clerks
    note = action_form(a.get(case_url(case)), 'note')
    note['nota'] = 'Am sunat solicitantul; revine cu planul.'
    assign = action_form(b.get(case_url(case)), 'assign')
    assign['responsabil'] = 'functionar'
    assign.submit(status=303)
    res = note.submit(status=409)
    assert STALE + ' Ioana Dăscălescu (Cerere repartizată).' in res.text
    assert action_form(res, 'note')['nota'].value == 'Am sunat solicitantul; revine cu planul.'
    assert len(fresh(root, case).notes) == 0


def test_when_the_form_is_gone_the_text_is_still_shown(root, registry, case, site,  # noqa: F811
                                                       clerks):
    a, _b = clerks
    form = action_form(a.get(case_url(case)), 'reject')
    form['motiv'] = 'Documentația este incompletă.'
    c = fresh(root, case)
    workflow.transition(c, 'withdraw', site['a'].userid, registry=registry)
    root.commit()
    res = form.submit(status=409)
    assert STALE + ' Ioana Ștefănescu (Cerere retrasă).' in res.text
    assert action_form(res, 'reject') is None
    assert res.html.find('textarea', id='kept-text').text == 'Documentația este incompletă.'
    assert fresh(root, case).state == workflow.WITHDRAWN


def _race(monkeypatch, module, name, submits):
    """Run ``submits`` in threads that meet after their change, before their commits."""
    barrier = threading.Barrier(len(submits), timeout=20)
    calls = []
    original = getattr(module, name)

    def meeting(*args, **kw):
        result = original(*args, **kw)
        calls.append(threading.current_thread().name)
        if len(calls) <= len(submits):
            barrier.wait()      # every request has changed the case, none has committed
        return result
    monkeypatch.setattr(module, name, meeting)
    results = {}

    def run(key, submit):
        results[key] = submit()
    threads = [threading.Thread(target=run, args=(key, submit), name=key)
               for key, submit in submits.items()]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results, calls


def test_simultaneous_transitions_one_wins_the_other_is_told(root, case, clerks,
                                                            monkeypatch):
    a, b = clerks
    form_a = action_form(a.get(case_url(case)), 'assign')
    form_b = action_form(b.get(case_url(case)), 'assign')
    events = len(fresh(root, case).events)
    results, calls = _race(monkeypatch, workflow, 'transition', {
        'a': lambda: form_a.submit(expect_errors=True),
        'b': lambda: form_b.submit(expect_errors=True)})
    # both changed the case from the same version: the loser met a ConflictError
    # at commit and was run again by pyramid_retry, which saw the new version
    assert len(calls) == 2
    statuses = sorted(r.status_int for r in results.values())
    assert statuses == [303, 409], statuses
    loser = [r for r in results.values() if r.status_int == 409][0]
    assert STALE in loser.text and '(Cerere repartizată)' in loser.text
    c = fresh(root, case)
    assert len(c.events) == events + 1 and c.events[-1]['action'] == 'assign'


def test_simultaneous_notes_are_both_kept(root, case, clerks, monkeypatch):
    a, b = clerks
    form_a = action_form(a.get(case_url(case)), 'note')
    form_a['nota'] = 'Nota lui A.'
    form_b = action_form(b.get(case_url(case)), 'note')
    form_b['nota'] = 'Nota lui B.'
    results, calls = _race(monkeypatch, cases_api, 'add_note', {
        'a': lambda: form_a.submit(expect_errors=True),
        'b': lambda: form_b.submit(expect_errors=True)})
    # a note does not move the version: the retried request adds its note too
    assert sorted(r.status_int for r in results.values()) == [303, 303]
    assert len(calls) == 3
    assert sorted(n['text'] for n in fresh(root, case).notes) == ['Nota lui A.', 'Nota lui B.']


def test_submitted_cases_get_distinct_numbers(root, registry, site):  # noqa: F811
    """The helper files through the real numbering (a sanity check for the fixtures)."""
    one = make_case(root, registry, site['dossier_a'], site['cu'], site['a'].userid,
                    answers=ANSWERS)
    two = make_case(root, registry, site['dossier_a'], site['cu'], site['a'].userid,
                    answers=ANSWERS)
    root.commit()
    assert one.number != two.number and one.state == workflow.SUBMITTED
    assert cases_api.today() == cases_api.today()
