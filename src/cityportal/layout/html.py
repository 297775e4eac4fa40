"""Small helpers for the tables some pages build in Python instead of a template."""
from html import escape


def escaper():
    """``escape`` that remembers: the values a table repeats (a service, a state) are
    escaped once per page."""
    cache = {}

    def esc(value):
        out = cache.get(value)
        if out is None:
            out = cache[value] = escape(value or '')
        return out
    return esc
