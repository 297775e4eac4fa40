"""Browser smoke test in Debian's chromium: a clerk logs in, sees home, logs out."""
import pytest

from cityportal.testing import field_by_label, navigate
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CLERK = ('functionar', 'demo-functionar-2026', 'Ștefan Țăranu')
HOME_H1 = 'Toate serviciile primăriei, într-un singur loc'
WAIT = 10


def wait(driver):
    return WebDriverWait(driver, WAIT)


def header_account(driver):
    return driver.find_element(By.CSS_SELECTOR, 'header.site-header .account')


def login_link(driver):
    return header_account(driver).find_elements(
        By.XPATH, ".//a[normalize-space()='Autentificare personal']")


def messages(driver):
    return [el.text.strip() for el in driver.find_elements(By.CSS_SELECTOR, '.messages .message')]


def open_login(driver, portal_url):
    driver.get(portal_url + '/')
    links = login_link(driver)
    assert links, 'no "Autentificare personal" link in the header'
    navigate(driver, links[0].click)
    assert driver.current_url.split('?')[0].endswith('/login')


def fill_login(driver, userid, password):
    user = field_by_label(driver, 'Nume de utilizator')
    pw = field_by_label(driver, 'Parolă')
    assert user.get_attribute('autocomplete') == 'username'
    assert pw.get_attribute('type') == 'password'
    user.clear()
    user.send_keys(userid)
    pw.clear()
    pw.send_keys(password)
    button = driver.find_element(
        By.XPATH, "//main//form//button[@type='submit' and normalize-space()='Intră în cont']")
    navigate(driver, button.click)


def test_clerk_logs_in_sees_home_and_logs_out(driver, portal_url):
    userid, password, name = CLERK
    driver.get(portal_url + '/')
    html = driver.find_element(By.TAG_NAME, 'html')
    assert html.get_attribute('lang') == 'ro'
    assert driver.find_element(By.TAG_NAME, 'h1').text.strip() == HOME_H1

    open_login(driver, portal_url)
    fill_login(driver, userid, password)

    assert driver.current_url.endswith('/@@personal')
    assert driver.find_element(By.TAG_NAME, 'h1').text.strip() == 'Spațiul de lucru'
    assert name in header_account(driver).text
    assert not login_link(driver)
    assert any(name in m for m in messages(driver)), messages(driver)

    # home while logged in: the header still shows the user
    driver.get(portal_url + '/')
    assert driver.find_element(By.TAG_NAME, 'h1').text.strip() == HOME_H1
    assert name in header_account(driver).text
    assert not login_link(driver)

    # Ieșire is a POST form button in the header
    button = header_account(driver).find_element(
        By.XPATH, ".//form[@method='post']//button[normalize-space()='Ieșire']")
    navigate(driver, button.click)

    assert driver.current_url.rstrip('/') == portal_url
    assert login_link(driver), 'the "Autentificare personal" link is not back'
    assert name not in header_account(driver).text
    assert 'V-ați deconectat.' in messages(driver)

    # and the workspace is closed again: it sends us to the login form
    driver.get(portal_url + '/@@personal')
    assert '/login' in driver.current_url


def test_skip_link_is_first_focusable(driver, portal_url):
    driver.get(portal_url + '/')
    driver.find_element(By.TAG_NAME, 'body').send_keys(Keys.TAB)
    active = driver.switch_to.active_element
    href = active.get_attribute('href') or ''
    assert href.endswith('#main'), (active.tag_name, href, active.text)
    assert 'skip-link' in (active.get_attribute('class') or '').split()
    assert driver.find_element(By.ID, 'main').tag_name == 'main'


def test_wrong_password_shows_error_and_keeps_user_name(driver, portal_url):
    userid = CLERK[0]
    open_login(driver, portal_url)
    fill_login(driver, userid, 'not-the-password')

    error = 'Numele de utilizator sau parola nu sunt corecte.'
    assert error in driver.find_element(By.TAG_NAME, 'main').text
    alert = driver.find_element(By.CSS_SELECTOR, 'main form [role=alert]')
    assert error in alert.text
    assert field_by_label(driver, 'Nume de utilizator').get_attribute('value') == userid
    assert field_by_label(driver, 'Parolă').get_attribute('value') == ''
    assert login_link(driver), 'a failed login must not log anyone in'
