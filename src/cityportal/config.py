"""Settings: defaults, secrets from the environment or generated into var/.

No secret is ever in git. ``cityportal.secret`` comes from the environment
(CITYPORTAL_SECRET), the ini file, or a file under var/ created with 0600
permissions on first run.
"""
import os
import secrets

DEFAULTS = {
    'tm.manager_hook': 'pyramid_tm.explicit_manager',
    'retry.attempts': '5',
    'pyramid.default_locale_name': 'ro',
    'cityportal.var': 'var',
    'cityportal.session_timeout': str(15 * 60),
    'cityportal.secure_cookies': 'false',
    'zodbconn.uri': 'memory://',
}


def var_dir(settings):
    path = settings.get('cityportal.var') or 'var'
    here = settings.get('here') or os.getcwd()
    path = os.path.normpath(os.path.join(here, path))
    os.makedirs(path, exist_ok=True)
    return path


def read_or_create_secret(path, nbytes=48):
    """Return the secret stored at ``path``, creating it (0600) if missing."""
    try:
        with open(path, encoding='ascii') as f:
            value = f.read().strip()
            if value:
                return value
    except FileNotFoundError:
        pass
    value = secrets.token_urlsafe(nbytes)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, 'w', encoding='ascii') as f:
        f.write(value + '\n')
    return value


def _secret(settings, key, env_name, filename):
    """``settings[key]`` from the environment, the ini, or a 0600 file under var/."""
    from_env = os.environ.get(env_name)
    if from_env:
        settings[key] = from_env
    elif not settings.get(key):
        settings[key] = read_or_create_secret(os.path.join(var_dir(settings), filename))


def prepare_settings(global_config, settings):
    settings = dict(settings)
    if global_config and 'here' in global_config:
        settings.setdefault('here', global_config['here'])
    for key, value in DEFAULTS.items():
        settings.setdefault(key, value)
    _secret(settings, 'cityportal.secret', 'CITYPORTAL_SECRET', 'secret.txt')
    # the key of the CNP lookup hash: separate from the session secret, which
    # may be rotated; changing this one would orphan every citizen's account
    _secret(settings, 'cityportal.cnp_key', 'CITYPORTAL_CNP_KEY', 'cnp-key.txt')
    return settings
