"""A citizen signs in through the ROeID stand-in's page, lands on the dossier, logs out."""
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from cityportal.testing import navigate

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def link(driver, text, scope='main'):
    found = [a for a in driver.find_element(By.TAG_NAME, scope).find_elements(By.TAG_NAME, 'a')
             if a.text.strip() == text]
    assert found, 'no link %r on %s' % (text, driver.current_url)
    return found[0]


def button(driver, text):
    found = [b for b in driver.find_elements(By.CSS_SELECTOR, 'button, input[type=submit]')
             if (b.text or b.get_attribute('value') or '').strip() == text]
    assert found, 'no button %r on %s' % (text, driver.current_url)
    return found[0]


def sign_in_at_idp(driver, idp_url, username):
    assert driver.current_url.startswith(idp_url), driver.current_url
    driver.find_element(By.ID, 'utilizator').send_keys(username)
    driver.find_element(By.ID, 'parola').send_keys('roeid')
    driver.find_element(By.ID, 'parola').submit()


def test_citizen_signs_in_with_roeid_and_out(driver, portal_url, idp_url, stack):
    driver.get(portal_url + '/')
    navigate(driver, link(driver, 'Intră cu ROeID', scope='header').click)
    assert '/@@autentificare' in driver.current_url
    navigate(driver, link(driver, 'Intră cu ROeID').click)
    sign_in_at_idp(driver, idp_url, 'elena.dragoi')
    # the IdP's answer is a form posted by a script: wait for the dossier
    WebDriverWait(driver, 20).until(lambda d: '/dosare/' in d.current_url or
                                    '/saml/acs' in d.current_url)
    assert '/dosare/' in driver.current_url, stack['procs'][1].output()[-4000:]
    heading = driver.find_element(By.TAG_NAME, 'h1').text
    assert 'Dosarul personal' in heading and 'Elena Drăgoi' in heading
    assert '••••' in driver.find_element(By.CSS_SELECTOR, '.cnp').text
    header = driver.find_element(By.CSS_SELECTOR, 'header.site-header .account')
    assert 'Elena Drăgoi' in header.text
    navigate(driver, header.find_element(By.TAG_NAME, 'button').click)
    assert driver.current_url.rstrip('/') == portal_url
    assert 'Elena Drăgoi' not in driver.find_element(
        By.CSS_SELECTOR, 'header.site-header .account').text


def test_citizen_signs_in_without_javascript(nojs_driver, portal_url, idp_url):
    driver = nojs_driver
    driver.get(portal_url + '/@@dosar')
    assert '/@@autentificare' in driver.current_url
    navigate(driver, link(driver, 'Intră cu ROeID').click)
    sign_in_at_idp(driver, idp_url, 'gabriela.taranu')
    WebDriverWait(driver, 20).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, 'form#raspuns-saml'))
    navigate(driver, driver.find_element(
        By.CSS_SELECTOR, 'form#raspuns-saml [type=submit]').click)
    assert '/dosare/' in driver.current_url
    assert 'Gabriela Țăranu' in driver.find_element(By.TAG_NAME, 'h1').text
