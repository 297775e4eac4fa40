"""Browser fixtures: a real pserve over a seeded FileStorage, Debian's chromium.

    stack (session): writes a temp ini (etc/testing.ini with its own Data.fs,
        blobs and var dir, listening on a free loopback port), runs
        cityportal-seed --demo on it, starts pserve and the ROeID stand-in
        (integrations/launcher.py); portal_url and idp_url are their base URLs
    chromium (session): makes sure /usr/bin/chromium and /usr/bin/chromedriver
        exist (apt-get installs them if it can), else skips
    driver (per test): headless Chrome via selenium and chromedriver, never
        selenium-manager; a screenshot lands in the test's tmp dir on failure
    nojs_driver (per test): the same with JavaScript switched off
    shared_driver (per test) over module_browser (per module): one browser
        whose cookies carry over from test to test, so each test first sets
        up the login (or none) it needs
    axe_source (session): axe-core's axe.min.js, installed with npm once into
        var/cache/axe (reused later); skips when npm is missing or fails

Chromium only ever talks to loopback: the flags below keep it from reaching
Google's hosts (updates, sync, field trials, QUIC probes).
"""
import os
import shutil
import subprocess
import tempfile

import pytest

# selenium-manager must never try to download a driver or a browser
os.environ['SE_OFFLINE'] = 'true'

HERE = os.path.dirname(os.path.abspath(__file__))
PROJECT = os.path.dirname(os.path.dirname(HERE))
TESTING_INI = os.path.join(PROJECT, 'etc', 'testing.ini')

CHROMIUM = '/usr/bin/chromium'
CHROMEDRIVER = '/usr/bin/chromedriver'
CHROMIUM_FLAGS = (
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--disable-dev-shm-usage', '--window-size=1280,1000',
)
START_TIMEOUT = 30


@pytest.fixture(scope='session')
def stack():
    """The portal (pserve over a seeded FileStorage) and the ROeID stand-in IdP."""
    from integrations.launcher import LiveSite
    site = LiveSite(TESTING_INI, prefix='cityportal-browser-')
    try:
        site.start(START_TIMEOUT)
    except RuntimeError as e:
        pytest.fail(str(e))
    try:
        yield {'portal': site.portal, 'idp': site.idp, 'procs': site.procs}
    finally:
        site.stop()


@pytest.fixture(scope='session')
def portal_url(stack):
    return stack['portal']


@pytest.fixture(scope='session')
def idp_url(stack):
    return stack['idp']


def _install_chromium():
    """Try apt-get; return None on success, else why it was impossible."""
    apt = shutil.which('apt-get')
    if apt is None:
        return 'apt-get is not available (not a Debian system?)'
    cmd = [apt, 'install', '-y', '-o', 'DPkg::Lock::Timeout=600',
           'chromium', 'chromium-driver']
    if os.geteuid() != 0:
        sudo = shutil.which('sudo')
        if sudo is None or subprocess.run([sudo, '-n', 'true'],
                                          capture_output=True).returncode != 0:
            return 'not root and no password-less sudo to run apt-get'
        cmd = [sudo, '-n', '-E'] + cmd
    env = dict(os.environ, DEBIAN_FRONTEND='noninteractive')
    print('installing chromium: %s' % ' '.join(cmd))
    res = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=900)
    if res.returncode != 0:
        return 'apt-get install failed (%d): %s' % (res.returncode, res.stderr[-2000:])
    return None


@pytest.fixture(scope='session')
def chromium():
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not os.access(p, os.X_OK)]
    if missing:
        why = _install_chromium()
        missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not os.access(p, os.X_OK)]
        if missing:
            reason = 'chromium not usable, missing %s: %s' % (
                ', '.join(missing), why or 'apt-get did not install them')
            print(reason)
            pytest.skip(reason)
    try:
        import selenium  # noqa: F401
    except ImportError:
        reason = 'selenium is not installed in this venv (pip install selenium)'
        print(reason)
        pytest.skip(reason)
    return CHROMIUM, CHROMEDRIVER


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, 'rep_' + rep.when, rep)


@pytest.fixture
def driver(request, chromium, tmp_path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    binary, chromedriver = chromium
    profile = tempfile.mkdtemp(prefix='cityportal-chromium-')
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument('--user-data-dir=%s' % profile)
    service = Service(executable_path=chromedriver,
                      log_output=str(tmp_path / 'chromedriver.log'))
    browser = webdriver.Chrome(options=options, service=service)
    browser.set_page_load_timeout(20)
    browser.implicitly_wait(0)
    try:
        yield browser
    finally:
        rep = getattr(request.node, 'rep_call', None)
        if rep is not None and rep.failed:
            shot = tmp_path / 'failure.png'
            try:
                browser.save_screenshot(str(shot))
                (tmp_path / 'failure.html').write_text(browser.page_source, encoding='utf-8')
                print('screenshot: %s' % shot)
            except Exception as e:  # the browser may be gone already
                print('no screenshot: %s' % e)
        browser.quit()
        shutil.rmtree(profile, ignore_errors=True)


# accessibility (tests/browser/test_accessibility.py) -----------------------

AXE_CACHE = os.path.join(PROJECT, 'var', 'cache', 'axe')  # var/ is not committed
AXE_SPEC = 'axe-core@4'
AXE_JS = os.path.join(AXE_CACHE, 'node_modules', 'axe-core', 'axe.min.js')


@pytest.fixture(scope='session')
def axe_source():
    """The source of axe-core's axe.min.js, installed from npm once into var/cache/axe.

    Later runs reuse the cache; without npm, or when the install fails, the
    tests that need it skip. The browser itself never fetches anything: the
    tests inject this source with execute_script.
    """
    if not os.path.isfile(AXE_JS):
        npm = shutil.which('npm')
        if npm is None:
            reason = 'npm is not available to install %s into %s' % (AXE_SPEC, AXE_CACHE)
            print(reason)
            pytest.skip(reason)
        os.makedirs(AXE_CACHE, exist_ok=True)
        cmd = [npm, 'install', '--no-save', '--no-audit', '--no-fund', '--no-package-lock',
               '--prefix', AXE_CACHE, AXE_SPEC]
        print('installing axe-core: %s' % ' '.join(cmd))
        try:
            res = subprocess.run(cmd, cwd=AXE_CACHE, capture_output=True, text=True,
                                 timeout=300)
        except (OSError, subprocess.TimeoutExpired) as e:
            reason = 'npm install %s failed: %s' % (AXE_SPEC, e)
            print(reason)
            pytest.skip(reason)
        if res.returncode != 0 or not os.path.isfile(AXE_JS):
            reason = 'npm install %s failed (%d): %s' % (
                AXE_SPEC, res.returncode, (res.stderr or res.stdout)[-2000:])
            print(reason)
            pytest.skip(reason)
    with open(AXE_JS, encoding='utf-8') as f:
        return f.read()


def _start_chrome(chromium, log_path, prefs=None):
    """A headless Chrome set up like ``driver``'s; returns it and its profile dir."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    binary, chromedriver = chromium
    profile = tempfile.mkdtemp(prefix='cityportal-chromium-')
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument('--user-data-dir=%s' % profile)
    if prefs:
        options.add_experimental_option('prefs', prefs)
    service = Service(executable_path=chromedriver, log_output=str(log_path))
    try:
        browser = webdriver.Chrome(options=options, service=service)
    except Exception:
        shutil.rmtree(profile, ignore_errors=True)
        raise
    browser.set_page_load_timeout(20)
    browser.implicitly_wait(0)
    return browser, profile


def _keep_failure(request, browser, tmp_path):
    rep = getattr(request.node, 'rep_call', None)
    if rep is not None and rep.failed:
        shot = tmp_path / 'failure.png'
        try:
            browser.save_screenshot(str(shot))
            (tmp_path / 'failure.html').write_text(browser.page_source, encoding='utf-8')
            print('screenshot: %s' % shot)
        except Exception as e:  # the browser may be gone already
            print('no screenshot: %s' % e)


@pytest.fixture
def nojs_driver(request, chromium, tmp_path):
    """Like ``driver``, but with JavaScript switched off in the browser's content settings."""
    browser, profile = _start_chrome(
        chromium, tmp_path / 'chromedriver.log',
        prefs={'profile.managed_default_content_settings.javascript': 2})
    try:
        yield browser
    finally:
        _keep_failure(request, browser, tmp_path)
        browser.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope='module')
def module_browser(chromium, tmp_path_factory):
    """One browser for all the tests of a module: cookies (login, language) carry over."""
    tmp = tmp_path_factory.mktemp('chromium')
    browser, profile = _start_chrome(chromium, tmp / 'chromedriver.log')
    try:
        yield browser
    finally:
        browser.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def shared_driver(request, module_browser, tmp_path):
    """``module_browser`` for one test (which sets up the login it needs), with
    a screenshot in the test's tmp dir on failure."""
    yield module_browser
    _keep_failure(request, module_browser, tmp_path)
