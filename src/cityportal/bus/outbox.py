"""The outbox: messages for external systems, written in the same transaction as
the change that causes them, delivered later by the bus (retries, backoff, dead
letters: the delivery jobs come with each connector).

A message has a kind (``registry.register``…), a JSON-able payload and an
idempotency key: enqueueing the same key twice keeps one message, and a
receiver is given the key so that it delivers at most once.
"""
import random
import time

from BTrees.LOBTree import LOBTree
from BTrees.OOBTree import OOBTree
from persistent import Persistent

PENDING = 'pending'
DELIVERED = 'delivered'
DEAD = 'dead'


class OutboxMessage(Persistent):
    def __init__(self, kind, payload, key, now):
        self.kind = kind
        self.payload = dict(payload)
        self.key = key
        self.state = PENDING
        self.created = now
        self.attempts = 0
        self.next_attempt = now
        self.last_error = None
        self.delivered = None


class Outbox(Persistent):
    def __init__(self):
        self.messages = LOBTree()     # random id -> OutboxMessage
        self.by_key = OOBTree()       # idempotency key, reversed -> id

    def enqueue(self, kind, payload, key, now=None):
        """Add a message (or return the existing one with the same key)."""
        # keys are kept reversed: idempotency keys of consecutive cases
        # ("registry.register:TM-2026-000123", …124) would be appended side by
        # side at the end of the tree, which ZODB cannot merge
        existing = self.by_key.get(key[::-1])
        if existing is not None:
            return self.messages[existing]
        now = now or time.time()
        # random ids (the order is the messages' ``created``): time-ordered ids
        # would be appended side by side at the end of the tree, which ZODB
        # cannot merge for two concurrent transactions
        mid = random.getrandbits(62)
        while mid in self.messages:
            mid = random.getrandbits(62)
        message = self.messages[mid] = OutboxMessage(kind, payload, key, now)
        message.id = mid
        self.by_key[key[::-1]] = mid
        return message

    def pending(self, kind=None, limit=100):
        """The oldest ``limit`` messages waiting for delivery."""
        waiting = [m for m in self.messages.values()
                   if m.state == PENDING and (kind is None or m.kind == kind)]
        waiting.sort(key=lambda m: m.created)
        return waiting[:limit]

    def __len__(self):
        return len(self.messages)


def get_outbox(root):
    """The outbox of the site (on /integrari), created on first use."""
    bus = root['integrari']
    outbox = getattr(bus, 'outbox', None)
    if outbox is None:
        outbox = bus.outbox = Outbox()
    return outbox
