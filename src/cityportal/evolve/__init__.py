"""Numbered evolution steps for stored data (Substance D's sd_evolve, smaller).

Each step is a function ``step(root, registry)`` listed in STEPS with its
generation number. The root records the generation it reached; the runner
(``cityportal-evolve``) applies the missing steps in order, one transaction
each. A new site starts at the latest generation (bootstrap builds the
current shape directly).
"""
import logging

import transaction

log = logging.getLogger(__name__)


def step_1_catalog_indexes(root, registry):
    """Make sure every index of catalog.INDEXES exists (new indexes get filled)."""
    from ..catalog.subscribers import walk
    added = root.catalog.ensure_indexes()
    if added:
        for obj in walk(root):
            root.catalog.reindex_index(obj, added)


def step_2_local_roles(root, registry):
    """Give every resource tree root a ``__local_roles__`` mapping."""
    if getattr(root, '__local_roles__', None) is None:
        root.__local_roles__ = {}


def step_3_staff_session_keys(root, registry):
    """Give staff accounts a session key and the list of their local-role places."""
    from ..catalog.subscribers import walk
    users = root['utilizatori']
    for user in users.values():
        if not user.__dict__.get('session_key'):
            user.new_session_key()
    places = {}
    for obj in walk(root):
        for userid in (getattr(obj, '__local_roles__', None) or {}):
            from pyramid.traversal import resource_path
            places.setdefault(userid, set()).add(resource_path(obj))
    for userid, paths in places.items():
        if userid in users:
            users[userid].local_role_paths = tuple(sorted(paths))


def step_4_folder_paging_index(root, registry):
    """Build the segment paging index of folders stored before it existed."""
    from ..catalog.subscribers import walk
    from ..folder import Folder, OrderedFolder
    for obj in walk(root):
        if isinstance(obj, Folder) and not isinstance(obj, OrderedFolder) \
                and obj.__dict__.get('_segments') is None:
            obj.rebuild_segments()


def step_5_content_generation(root, registry):
    """Give the root the counter that invalidates cached public pages."""
    from BTrees.Length import Length
    if getattr(root, 'content_generation', None) is None:
        root.content_generation = Length(0)


def step_6_service_workflow_state(root, registry):
    """Services stored before the editorial workflow were public: mark them published."""
    for category in root['servicii'].values():
        for service in category.values():
            if 'state' not in service.__dict__:
                service.state = 'published'


def step_7_citizen_accounts(root, registry):
    """/dosare gets its lookup tables: CNP hash -> dossier, and the citizens' accounts."""
    root['dosare'].ensure_indexes()


def step_8_case_indexes(root, registry):
    """Indexes of the cases' inboxes: assignee, service, case number, decision time."""
    step_1_catalog_indexes(root, registry)


def step_9_outbox(root, registry):
    """The bus's outbox exists from the start (not created by the first message)."""
    from ..bus.outbox import get_outbox
    get_outbox(root)


def step_10_text_index_classes(root, registry):
    """Catalog changes for concurrent saves: the text index's lexicon and Okapi index
    become the conflict-free subclasses; the state index leaves cases' drafts out."""
    from ..catalog.catalog import _state
    from ..catalog.folding import PortalLexicon, PortalOkapiIndex
    state = root.catalog['state']
    if not isinstance(state.discriminator, _state):
        state.discriminator = _state('state')
    # (the case number's index is replaced by step 11)
    text = root.catalog['text']
    if type(text.lexicon) is not PortalLexicon:
        text.lexicon.__class__ = PortalLexicon
        text.lexicon._p_changed = True
    if type(text.index) is not PortalOkapiIndex:
        text.index.__class__ = PortalOkapiIndex
        text.index._p_changed = True


def step_11_work_queues(root, registry):
    """Cases in work queues: the ``queue`` index (each department's, service's and
    assignee's cases per state, by deadline) replaces the ``deadline`` index; the
    case number gets an index of unique values; the field indexes stop keeping the
    documents without a value."""
    from hypatia.field import FieldIndex
    from ..catalog.catalog import NumberIndex, PortalFieldIndex
    catalog = root.catalog
    indexes = catalog.indexes
    for index in indexes.values():
        if type(index) is FieldIndex:
            index.__class__ = PortalFieldIndex
            index._not_indexed = index.family.IF.TreeSet()
            index._p_changed = True
    if 'deadline' in indexes:
        del indexes['deadline']
    number = indexes.get('number')
    if not isinstance(number, NumberIndex):
        number = indexes['number'] = NumberIndex()
    _fill_queues(root, number=number, queue=False)     # the queues: step 13


def _fill_queues(root, number=None, queue=True, batch=20000):
    """A new ``queue`` index filled from every case (and ``number`` too, if given)."""
    from ..catalog.catalog import INDEXES
    catalog = root.catalog
    indexes = catalog.indexes
    if queue:
        queue = indexes['queue'] = INDEXES['queue']()
    else:
        queue = None
    cases = indexes['content_type']._fwd_index.get('Case')
    resolve = catalog.resolver(root)
    jar = root._p_jar
    docids = list(cases) if cases is not None else []
    for n, docid in enumerate(docids):
        obj = resolve(docid)
        if obj is None:
            continue
        if number is not None:
            number.index_doc(docid, obj)
        if queue is not None:
            queue.index_doc(docid, obj)
        if jar is not None and n % batch == batch - 1:
            # a million cases do not fit in memory at once: park the changes
            jar.transaction_manager.savepoint(optimistic=True)
            jar.cacheGC()
            log.info('work queues: %d of %d cases', n + 1, len(docids))


def step_12_audit_shards(root, registry):
    """The outbox's messages are found by their key's hash (``cityportal.bus.outbox``).
    (The audit log's new layout is step 14's.)"""
    from ..bus.outbox import get_outbox
    get_outbox(root).rekey()


def step_13_queue_rows(root, registry):
    """The work queues keep each case's row (what an inbox shows): filled again."""
    _fill_queues(root)


def step_14_audit_trees(root, registry):
    """The site audit log keeps a tree per shard (see ``cityportal.audit``)."""
    log = getattr(root, 'audit', None)
    if log is not None:
        log.rekey()


STEPS = (
    (1, step_1_catalog_indexes),
    (2, step_2_local_roles),
    (3, step_3_staff_session_keys),
    (4, step_4_folder_paging_index),
    (5, step_5_content_generation),
    (6, step_6_service_workflow_state),
    (7, step_7_citizen_accounts),
    (8, step_8_case_indexes),
    (9, step_9_outbox),
    (10, step_10_text_index_classes),
    (11, step_11_work_queues),
    (12, step_12_audit_shards),
    (13, step_13_queue_rows),
    (14, step_14_audit_trees),
)


def latest_generation():
    return max(g for g, _ in STEPS) if STEPS else 0


def pending(root):
    current = getattr(root, 'generation', 0)
    return [(g, fn) for g, fn in sorted(STEPS, key=lambda s: s[0]) if g > current]


def evolve(root, registry=None, commit=True, dry_run=False, tm=None):
    """Apply pending steps; return the list of generations applied.

    ``tm`` is the transaction manager of root's connection (the request's
    ``tm`` under pyramid_tm); by default the thread's global one.
    """
    tm = tm or transaction.manager
    applied = []
    for generation, fn in pending(root):
        log.info('evolve: generation %d (%s)', generation, fn.__name__)
        if dry_run:
            applied.append(generation)
            continue
        fn(root, registry)
        root.generation = generation
        counter = getattr(root, 'content_generation', None)
        if counter is not None:
            counter.change(1)   # stored data changed: cached pages are stale
        if commit:
            tm.get().note('cityportal evolve to generation %d' % generation)
            tm.commit()
            tm.begin()
        applied.append(generation)
    return applied
