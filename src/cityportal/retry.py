"""Retried requests: a random pause before each new attempt, and the last ones alone.

pyramid_retry runs a request again at once when its transaction hit a
ConflictError. Eight citizens submitting at the same moment who all retry at
once meet again on the same index buckets. So:

- before each new attempt the request waits at random, up to
  ``cityportal.retry_backoff`` seconds (5 ms by default) doubled with each
  attempt, which spreads the retries out;
- from attempt ``cityportal.retry_alone_from`` on (the third, counting from 1,
  by default), the attempt runs alone in this process: it waits for the
  requests in progress to finish, and new ones wait for it (a few milliseconds:
  a submission's transaction). Nothing of this process can conflict with it,
  so a request that conflicted twice commits at its next attempt, unless
  another process (ZEO, RelStorage) wrote the same objects meanwhile; the
  remaining attempts are there for that. It waits for the others at most
  ``cityportal.retry_alone_wait`` seconds (a long request, an export, is not
  waited for: the attempt then runs beside it).
"""
import random
import threading
import time
from contextlib import contextmanager

DEFAULT_BACKOFF = 0.005
DEFAULT_ALONE_FROM = 2          # retry.attempt counts from 0: the third attempt
DEFAULT_ALONE_WAIT = 1.0


def backoff_delay(attempt, base, rnd=random.random):
    """The pause before attempt ``attempt + 1`` (``attempt`` counts from 0)."""
    return rnd() * base * (2 ** attempt)


class Turnstile:
    """Requests pass side by side (``shared``); one may ask to pass alone (``alone``).

    A request waiting to pass alone keeps new ones waiting, so it is not
    starved; it waits at most ``timeout`` seconds for those in progress.
    """

    def __init__(self):
        self._cond = threading.Condition()
        self._inside = 0
        self._alone = False
        self._waiting = 0

    @contextmanager
    def shared(self):
        with self._cond:
            while self._alone or self._waiting:
                self._cond.wait()
            self._inside += 1
        try:
            yield
        finally:
            with self._cond:
                self._inside -= 1
                if not self._inside:
                    self._cond.notify_all()

    @contextmanager
    def alone(self, timeout):
        """Pass alone (True), or beside the others after ``timeout`` seconds (False)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._alone:
                self._cond.wait()
            self._waiting += 1
            while self._inside:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._cond.wait(left)
            self._waiting -= 1
            alone = not self._inside
            if alone:
                self._alone = True
            else:
                self._inside += 1
            self._cond.notify_all()
        try:
            yield alone
        finally:
            with self._cond:
                if alone:
                    self._alone = False
                else:
                    self._inside -= 1
                self._cond.notify_all()


def turnstile_tween_factory(handler, registry):
    """Around the transaction (pyramid_tm): late attempts pass alone, the others side by side."""
    turnstile = registry.cityportal_turnstile
    settings = registry.settings
    alone_from = int(settings.get('cityportal.retry_alone_from', DEFAULT_ALONE_FROM))
    wait = float(settings.get('cityportal.retry_alone_wait', DEFAULT_ALONE_WAIT))

    def turnstile_tween(request):
        if request.environ.get('retry.attempt', 0) >= alone_from > 0:
            with turnstile.alone(wait):
                return handler(request)
        with turnstile.shared():
            return handler(request)
    return turnstile_tween


def includeme(config):
    from pyramid_retry import IBeforeRetry
    settings = config.registry.settings
    base = float(settings.get('cityportal.retry_backoff', DEFAULT_BACKOFF))
    config.registry.cityportal_turnstile = Turnstile()

    def before_retry(event):
        delay = backoff_delay(event.request.environ.get('retry.attempt', 0), base)
        if delay > 0:
            time.sleep(delay)
    config.add_subscriber(before_retry, IBeforeRetry)
    config.add_tween('cityportal.retry.turnstile_tween_factory',
                     over='pyramid_tm.tm_tween_factory')
