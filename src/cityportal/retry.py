"""Retried requests wait a little, at random, before their next attempt.

pyramid_retry runs a request again at once when its transaction hit a
ConflictError. Eight citizens submitting at the same moment who all retry at
once meet again on the same index buckets; a random pause, doubling with each
attempt (``cityportal.retry_backoff`` seconds at most on the first, 5 ms by
default), spreads them out so the next attempt usually commits.
"""
import random
import time


DEFAULT_BACKOFF = 0.005


def backoff_delay(attempt, base, rnd=random.random):
    """The pause before attempt ``attempt + 1`` (``attempt`` counts from 0)."""
    return rnd() * base * (2 ** attempt)


def includeme(config):
    from pyramid_retry import IBeforeRetry
    base = float(config.registry.settings.get('cityportal.retry_backoff', DEFAULT_BACKOFF))

    def before_retry(event):
        delay = backoff_delay(event.request.environ.get('retry.attempt', 0), base)
        if delay > 0:
            time.sleep(delay)
    config.add_subscriber(before_retry, IBeforeRetry)
