"""Test helpers shared by the test suites (imported by tests only).

``Browser`` is WebTest with the portal's habits; ``DEMO_PASSWORDS`` come from
the demo data itself.
"""
import re

import webtest

from .demo import STAFF

DEMO_PASSWORDS = {userid: password for userid, password, *_ in STAFF}


class Browser(webtest.TestApp):
    """WebTest with the portal's habits: CSRF from the page, login by role."""

    def login(self, userid, password=None, status=303):
        page = self.get('/login')
        form = page.forms['cpform']
        form['login'] = userid
        form['password'] = password or DEMO_PASSWORDS[userid]
        return form.submit('submit', status=status)

    def logout(self):
        page = self.get('/logout')
        return page.forms[0].submit(status=303)

    def csrf(self):
        return self.cookies.get('cp_csrf') or self._fetch_csrf()

    def _fetch_csrf(self):
        page = self.get('/login')
        m = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        return m.group(1)


