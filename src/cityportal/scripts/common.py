"""Shared plumbing of the console scripts: ini -> app env -> a transaction."""
import argparse
import sys

from pyramid.paster import get_app, setup_logging
from pyramid.request import Request, apply_request_extensions
from pyramid.scripting import prepare


def parser(description):
    p = argparse.ArgumentParser(description=description)
    p.add_argument('config_uri', nargs='?', default='etc/development.ini',
                   help='the ini file (default: etc/development.ini)')
    return p


def open_env(config_uri):
    """Bootstrap the app from ``config_uri``; returns pyramid's env dict.

    The env's request carries a transaction manager (``request.tm``), begun.
    """
    setup_logging(config_uri)
    app = get_app(config_uri)
    registry = app.registry
    request = Request.blank('/', base_url='http://127.0.0.1:6543')
    request.registry = registry
    apply_request_extensions(request)
    # begin before the root factory runs: it may have to build the tree
    request.tm.begin()
    env = prepare(request=request, registry=registry)
    env['app'] = app
    closer = env['closer']

    def close():
        # close the databases too: FileStorage writes its index on close,
        # so the next process starts without re-scanning Data.fs
        closer()
        for db in (getattr(registry, '_zodb_databases', None) or {}).values():
            db.close()
    env['closer'] = close
    return env


class Progress:
    """A text progress bar on stderr (no dependency)."""

    def __init__(self, total, label='', width=40, stream=sys.stderr):
        self.total = max(total, 1)
        self.label = label
        self.width = width
        self.stream = stream
        self.done = 0
        self._last = -1

    def step(self, n=1):
        self.done += n
        pct = int(self.done * 100 / self.total)
        if pct != self._last:
            self._last = pct
            filled = int(self.width * self.done / self.total)
            self.stream.write('\r%s [%s%s] %3d%% (%d/%d)' % (
                self.label, '#' * filled, '.' * (self.width - filled), pct,
                self.done, self.total))
            self.stream.flush()

    def finish(self):
        self.stream.write('\n')
        self.stream.flush()
