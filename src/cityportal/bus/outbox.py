"""The outbox: messages for external systems, written in the same transaction as
the change that causes them, delivered later by the bus (retries, backoff, dead
letters: the delivery jobs come with each connector).

A message has a kind (``registry.register``…), a JSON-able payload and an
idempotency key: enqueueing the same key twice keeps one message, and a
receiver is given the key so that it delivers at most once.
"""
import hashlib
import time

from BTrees.LOBTree import LOBTree
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


def message_id(key):
    """The id of the message with idempotency key ``key``: 62 bits of its SHA-256.

    The key itself finds its message (one tree, no index of keys beside it),
    and the ids of concurrent messages ("registry.register:TM-2026-000123",
    …124) lie far apart in the tree, where ZODB merges their inserts; ids in
    time order would all be appended at the tree's end, which it cannot.
    """
    return int.from_bytes(hashlib.sha256(key.encode('utf-8')).digest()[:8], 'big') >> 2


class Outbox(Persistent):
    by_key = None                     # (an older layout's index of keys)

    def __init__(self):
        self.messages = LOBTree()     # message_id(key) -> OutboxMessage

    def find(self, key):
        """The message with idempotency key ``key``, or None."""
        mid = message_id(key)
        while True:
            message = self.messages.get(mid)
            if message is None or message.key == key:
                return message
            mid += 1                  # another key with the same 62 bits (never seen)

    def enqueue(self, kind, payload, key, now=None):
        """Add a message (or return the existing one with the same key)."""
        mid = message_id(key)
        while True:
            existing = self.messages.get(mid)
            if existing is None:
                break
            if existing.key == key:
                return existing
            mid += 1
        message = self.messages[mid] = OutboxMessage(kind, payload, key, now or time.time())
        message.id = mid
        return message

    def rekey(self):
        """Give every message the id of its key (for outboxes kept by an older layout)."""
        old = list(self.messages.values())
        self.messages = LOBTree()
        for message in old:
            mid = message_id(message.key)
            while mid in self.messages:
                mid += 1
            message.id = mid
            self.messages[mid] = message
        self.by_key = None
        return len(old)

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
