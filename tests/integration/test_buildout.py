"""buildout.cfg really works: a fresh venv + `pip install zc.buildout` + `buildout`
gives bin/pserve and the cityportal console scripts, all on the develop egg of this
checkout.

The slow tests copy the working tree into a temp dir, build a new venv there, run
buildout (eggs come from the package index: about 1 min on this machine) and then use
the generated scripts: --help, a real seed into a FileStorage, and pserve serving it.
"""
import configparser
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]

BUILDOUT_PIN = 'zc.buildout==6.0.1'
SETUPTOOLS_PIN = 'setuptools==80.10.2'   # < 81: pyramid and deform import pkg_resources

# the console_scripts of setup.py, and pyramid's scripts buildout.cfg asks for
CITYPORTAL_SCRIPTS = ('cityportal-seed', 'cityportal-evolve', 'cityportal-import-services',
                      'cityportal-reindex', 'cityportal-adduser')
PYRAMID_SCRIPTS = ('pserve', 'pshell', 'proutes', 'pviews')

# what a checkout does not hold: buildout's and pip's outputs, local data
TOP_LEVEL_SKIP = {'.venv', 'var', 'bin', 'eggs', 'parts', 'develop-eggs', '.git',
                  '.installed.cfg', '.mr.developer.cfg', 'build', 'dist',
                  '.pytest_cache', '.tox', '.mypy_cache'}
SKIP_ANYWHERE = ('__pycache__', '*.egg-info', '*.pyc', 'node_modules')


def _canon(name):
    return re.sub(r'[-_.]+', '-', name).lower()


def _clean_env():
    """The environment for the subprocesses: nothing from this venv leaks in."""
    env = dict(os.environ)
    for var in ('PYTHONPATH', 'PYTHONHOME', 'PYTHONWARNINGS', 'PYTHONSTARTUP',
                'VIRTUAL_ENV', 'PIP_USER', 'PIP_REQUIRE_VIRTUALENV',
                'BUILDOUT_ORIGINAL_PYTHONPATH'):
        env.pop(var, None)
    venv_bin = str(Path(sys.prefix) / 'bin')
    env['PATH'] = os.pathsep.join(
        p for p in env.get('PATH', '').split(os.pathsep) if p != venv_bin)
    env['PIP_DISABLE_PIP_VERSION_CHECK'] = '1'
    return env


def _run(args, *, cwd, timeout, env=None, check=True):
    start = time.monotonic()
    try:
        proc = subprocess.run(
            [str(a) for a in args], cwd=cwd, env=env or _clean_env(),
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout or ''
        if isinstance(out, bytes):
            out = out.decode('utf-8', 'replace')
        pytest.fail('%s timed out after %ss; output tail:\n%s'
                    % (' '.join(map(str, args)), timeout, out[-4000:]))
    proc.elapsed = time.monotonic() - start
    if check and proc.returncode != 0:
        pytest.fail('%s exited %s; output tail:\n%s'
                    % (' '.join(map(str, args)), proc.returncode, proc.stdout[-4000:]))
    return proc


def _copy_project(dest):
    skip_anywhere = shutil.ignore_patterns(*SKIP_ANYWHERE)

    def ignore(directory, names):
        skipped = set(skip_anywhere(directory, names))
        if Path(directory).resolve() == PROJECT:
            skipped |= TOP_LEVEL_SKIP & set(names)
        elif Path(directory).resolve() == PROJECT / 'bench':
            skipped |= {'out'} & set(names)
        return skipped

    shutil.copytree(PROJECT, dest, symlinks=True, ignore=ignore)


def _free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def _write_ini(path, data_dir, port):
    """etc/testing.ini with a FileStorage in data_dir and waitress on ``port``."""
    text = (PROJECT / 'etc' / 'testing.ini').read_text(encoding='utf-8')
    # files named relative to etc/ (the ROeID attribute map) stay where they are
    text = text.replace('%(here)s', str(PROJECT / 'etc'))
    replacements = {
        'zodbconn.uri': 'file://%s' % (data_dir / 'Data.fs'),
        'cityportal.var': str(data_dir / 'var'),
        'listen': '127.0.0.1:%d' % port,
    }
    for key, value in replacements.items():
        text, n = re.subn(r'(?m)^%s\s*=.*$' % re.escape(key),
                          lambda m, k=key, v=value: '%s = %s' % (k, v), text)
        assert n == 1, 'etc/testing.ini has no single %r line' % key
    path.write_text(text, encoding='utf-8')
    return path


# -- fast: buildout.cfg and constraints.txt stay in step ------------------------------

def _read_buildout_cfg():
    # buildout's own parser allows things configparser does not need here
    cfg = configparser.ConfigParser(interpolation=None, strict=False)
    cfg.optionxform = str
    cfg.read(PROJECT / 'buildout.cfg', encoding='utf-8')
    return cfg


def test_buildout_versions_match_constraints():
    cfg = _read_buildout_cfg()
    assert cfg.get('buildout', 'develop').split() == ['.']
    versions_section = cfg.get('buildout', 'versions')
    pinned = {_canon(k): v.strip() for k, v in cfg.items(versions_section)}
    constraints = {}
    for line in (PROJECT / 'constraints.txt').read_text(encoding='utf-8').splitlines():
        line = line.split('#', 1)[0].strip()
        if line:
            name, _, version = line.partition('==')
            assert version, 'constraints.txt: expected name==version, got %r' % line
            constraints[_canon(name)] = version.strip()
    missing = {k: v for k, v in constraints.items() if pinned.get(k) != v}
    assert not missing, 'buildout.cfg [%s] differs from constraints.txt: %r' % (
        versions_section, {k: (v, pinned.get(k)) for k, v in missing.items()})
    # trap 1 of STACK.md: setuptools >= 81 has no pkg_resources
    major = int(pinned['setuptools'].split('.')[0])
    assert major < 81


def test_buildout_asks_for_all_console_scripts():
    cfg = _read_buildout_cfg()
    parts = cfg.get('buildout', 'parts').split()
    scripts = set()
    for part in parts:
        if cfg.get(part, 'recipe', fallback='').startswith('zc.recipe.egg'):
            scripts.update(cfg.get(part, 'scripts', fallback='').split())
    setup_py = (PROJECT / 'setup.py').read_text(encoding='utf-8')
    declared = set(re.findall(r"'([\w.-]+)\s*=\s*cityportal\.scripts\.", setup_py))
    assert declared == set(CITYPORTAL_SCRIPTS)
    assert declared <= scripts
    assert 'pserve' in scripts


# -- slow: the real thing --------------------------------------------------------------

@pytest.fixture(scope='module')
def built(tmp_path_factory):
    """A copy of the checkout after `pip install zc.buildout` + `buildout` in a new venv."""
    base = tmp_path_factory.mktemp('buildout')
    project = base / 'cityportal'
    _copy_project(project)
    assert (project / 'buildout.cfg').is_file()
    assert not (project / 'bin').exists() and not (project / 'eggs').exists()

    venv = base / 'venv'
    python = shutil.which('python3.11') or sys.executable
    _run([python, '-m', 'venv', venv], cwd=base, timeout=120)
    _run([venv / 'bin' / 'python', '-m', 'pip', 'install', '-q',
          BUILDOUT_PIN, SETUPTOOLS_PIN], cwd=base, timeout=300)
    # the plain command of the README, run from the project directory
    proc = _run([venv / 'bin' / 'buildout'], cwd=project, timeout=480)
    print('buildout took %.0fs' % proc.elapsed)
    return {'project': project, 'venv': venv, 'base': base, 'buildout_output': proc.stdout}


@pytest.mark.slow
def test_buildout_generates_the_scripts(built):
    project, out = built['project'], built['buildout_output']
    assert "Develop: '%s" % project in out
    bindir = project / 'bin'
    for name in PYRAMID_SCRIPTS + CITYPORTAL_SCRIPTS + ('py',):
        script = bindir / name
        assert script.is_file(), '%s missing; bin/ has %s' % (
            name, sorted(p.name for p in bindir.iterdir()))
        assert os.access(script, os.X_OK), name
        # every script runs on the venv's python and puts this checkout's src/ first
        text = script.read_text(encoding='utf-8')
        assert text.startswith('#!%s' % (built['venv'] / 'bin' / 'python')), name
        assert "'%s'" % (project / 'src') in text, name
    # buildout pinned what constraints.txt pins: no pin was overridden
    eggs = {p.name for p in (project / 'eggs').rglob('*.egg')}
    assert any(e.startswith('pyramid-2.1-') for e in eggs), sorted(eggs)
    assert any(e.startswith('deform-3.0.1-') for e in eggs), sorted(eggs)


@pytest.mark.slow
def test_scripts_use_the_develop_egg_of_this_checkout(built):
    project = built['project']
    code = (
        'import importlib.metadata as md, cityportal, pyramid, pkg_resources, setuptools\n'
        'd = md.distribution("cityportal")\n'
        'print("module", cityportal.__file__)\n'
        'print("metadata", d.locate_file(""))\n'
        'print("version", d.version)\n'
        'print("scripts", *sorted(e.name for e in d.entry_points'
        ' if e.group == "console_scripts"))\n'
        'print("app", *[e.value for e in d.entry_points'
        ' if e.group == "paste.app_factory"])\n'
        'print("pyramid", pyramid.__file__)\n'
        'print("setuptools", setuptools.__version__)\n'
    )
    proc = _run([project / 'bin' / 'py', '-c', code], cwd=built['base'], timeout=60)
    info = {}
    for line in proc.stdout.splitlines():
        key, _, value = line.partition(' ')
        info.setdefault(key, value)
    src = project / 'src'
    assert Path(info['module']).resolve() == (src / 'cityportal' / '__init__.py').resolve()
    assert Path(info["metadata"]).resolve() == src.resolve()
    assert info['version'] == '0.1.0'
    assert info['scripts'].split() == sorted(CITYPORTAL_SCRIPTS)
    assert info['app'] == 'cityportal:main'
    assert Path(info['pyramid']).resolve().is_relative_to((project / 'eggs').resolve())
    assert int(info['setuptools'].split('.')[0]) < 81


@pytest.mark.slow
def test_script_help(built):
    bindir = built['project'] / 'bin'
    seed = _run([bindir / 'cityportal-seed', '--help'], cwd=built['base'], timeout=60)
    assert 'usage: cityportal-seed' in seed.stdout
    assert 'seed' in seed.stdout and '--no-demo' in seed.stdout
    for name in ('cityportal-evolve', 'cityportal-reindex', 'cityportal-adduser'):
        proc = _run([bindir / name, '--help'], cwd=built['base'], timeout=60)
        assert 'usage: %s' % name in proc.stdout
    pserve = _run([bindir / 'pserve', '--help'], cwd=built['base'], timeout=60)
    assert 'usage: pserve' in pserve.stdout


@pytest.mark.slow
def test_seed_and_serve_a_filestorage_site(built, tmp_path):
    bindir = built['project'] / 'bin'
    data = tmp_path / 'data'
    (data / 'var').mkdir(parents=True)
    port = _free_port()
    ini = _write_ini(tmp_path / 'buildout-test.ini', data, port)

    proc = _run([bindir / 'cityportal-seed', ini], cwd=tmp_path, timeout=120)
    assert 'site ready' in proc.stdout, proc.stdout
    assert (data / 'Data.fs').stat().st_size > 0
    # idempotent: a second run finds the site and creates nothing
    again = _run([bindir / 'cityportal-seed', ini], cwd=tmp_path, timeout=120)
    assert 'site ready' in again.stdout, again.stdout

    log = open(tmp_path / 'pserve.log', 'w+')
    server = subprocess.Popen(
        [str(bindir / 'pserve'), str(ini)], cwd=tmp_path, env=_clean_env(),
        stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
    try:
        url = 'http://127.0.0.1:%d/' % port
        deadline = time.monotonic() + 30
        body = None
        while time.monotonic() < deadline:
            if server.poll() is not None:
                break
            try:
                with urllib.request.urlopen(url, timeout=5) as resp:
                    assert resp.status == 200
                    body = resp.read().decode('utf-8')
                    break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.2)
        log.seek(0)
        assert body is not None, 'pserve did not answer; log:\n' + log.read()[-4000:]
        assert 'Portalul Unic' in body
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=15)
        log.close()
