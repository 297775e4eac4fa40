"""The console scripts against a real FileStorage: seed, evolve, reindex, adduser."""
import os
import re
import subprocess
import sys

import pytest

BIN = os.path.dirname(sys.executable)
PROJECT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture
def ini(tmp_path):
    from integrations.launcher import write_ini
    return write_ini(os.path.join(PROJECT, 'etc', 'testing.ini'), str(tmp_path / 'test.ini'), **{
        'zodbconn.uri': 'file://%s/Data.fs?blobstorage_dir=%s/blobs' % (tmp_path, tmp_path),
        'cityportal.var': str(tmp_path)})


def run(*args, input=None):
    env = dict(os.environ, PYTHONWARNINGS='ignore')
    proc = subprocess.run([os.path.join(BIN, args[0])] + list(args[1:]), input=input,
                          capture_output=True, text=True, timeout=180, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


def test_seed_is_idempotent(ini):
    first = run('cityportal-seed', ini, '--demo').stdout
    assert 'created: departments 6, users 6, categories 5, services 8' in first
    again = run('cityportal-seed', ini, '--demo').stdout
    assert 'created: departments 0, users 0, categories 0, services 0' in again


def test_seed_without_demo(ini):
    out = run('cityportal-seed', ini).stdout
    assert 'site ready' in out and 'created: nothing' in out


def test_demo_refused_on_a_production_configuration(ini):
    src = open(ini, encoding='utf-8').read() + '\n'
    src = src.replace('[app:main]\n', '[app:main]\ncityportal.secure_cookies = true\n')
    open(ini, 'w', encoding='utf-8').write(src)
    proc = subprocess.run([os.path.join(BIN, 'cityportal-seed'), ini, '--demo'],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and 'refusing --demo' in proc.stderr


def test_reindex_rebuilds_the_catalog_with_progress(ini):
    run('cityportal-seed', ini, '--demo')
    proc = run('cityportal-reindex', ini, '--batch', '10')
    assert '100%' in proc.stderr and '[####' in proc.stderr
    m = re.search(r'indexed (\d+) objects', proc.stdout)
    # root + 6 top folders + 6 departments + 6 users + 5 categories + 8 services
    assert m and int(m.group(1)) == 32


def test_evolve_reports_and_is_a_noop_on_a_current_site(ini):
    run('cityportal-seed', ini)
    out = run('cityportal-evolve', ini, '--dry-run').stdout
    assert 'pending: none' in out


def test_adduser_creates_a_manager(ini):
    run('cityportal-seed', ini, '--no-demo')
    out = run('cityportal-adduser', ini, 'sefa', '--role', 'Manager', '--title',
              'Elena Șerban', '--password-stdin', input='o-parola-foarte-buna\n').stdout
    assert 'created sefa (Manager)' in out
    proc = subprocess.run([os.path.join(BIN, 'cityportal-adduser'), ini, 'scurt',
                           '--password-stdin'], input='scurta\n', capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 2 and 'cel puțin 10' in proc.stderr


def test_secret_is_generated_into_var_once(ini, tmp_path):
    src = open(ini, encoding='utf-8').read().replace(
        'cityportal.secret = testing-secret-not-for-production\n', '')
    open(ini, 'w', encoding='utf-8').write(src)
    env_free = {k: v for k, v in os.environ.items() if k != 'CITYPORTAL_SECRET'}
    for _ in range(2):
        subprocess.run([os.path.join(BIN, 'cityportal-seed'), ini, '--no-demo'],
                       capture_output=True, timeout=120, env=env_free, check=True)
    secret = tmp_path / 'secret.txt'
    assert secret.exists()
    assert oct(secret.stat().st_mode & 0o777) == '0o600'
    assert len(secret.read_text().strip()) >= 40


def test_import_services_script(ini, tmp_path):
    import shutil
    from cityportal.services.definitions import default_directory
    defs = tmp_path / 'defs'
    defs.mkdir()
    for name in ('service.schema.json', '_categories.yaml', '_departments.yaml',
                 'certificat-urbanism-construire.yaml'):
        shutil.copy(os.path.join(default_directory(), name), defs / name)
    (defs / 'rupt.yaml').write_text('id: rupt\n  title: x\n', encoding='utf-8')
    run('cityportal-seed', ini)
    proc = subprocess.run([os.path.join(BIN, 'cityportal-import-services'), ini,
                           '--dir', str(defs)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1                       # one broken file
    assert 'rupt.yaml:2: YAML' in proc.stdout
    assert 'created 1, updated 0, unchanged 0, conflicts 0' in proc.stdout
    (defs / 'rupt.yaml').unlink()
    again = run('cityportal-import-services', ini, '--dir', str(defs)).stdout
    assert 'created 0, updated 0, unchanged 1, conflicts 0' in again


def test_seed_with_the_real_catalog(ini):
    out = run('cityportal-seed', ini, '--demo', '--catalog').stdout
    assert 'catalog: created 3' in out and 'conflicts 0' in out
    assert 'services 0' in out            # no demo services beside the real ones
    again = run('cityportal-seed', ini, '--demo', '--catalog').stdout
    assert 'catalog: created 0, updated 0' in again
