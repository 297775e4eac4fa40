"""Import the service catalog from schemas/services/ into the site, idempotently.

Creates what is missing (departments, categories, services), updates what a
definition changed, and never silently overwrites a value an editor changed
through the web: each Service remembers (``imported``) the value the importer
last wrote for each field; a field whose current value differs both from
that and from the file's new value is reported as a conflict and left alone.
"""
from dataclasses import dataclass, field

from .. import api
from ..demo import LETTERHEAD_BASE
from ..events import ObjectModified, notify
from ..folder import utcnow
from .resources import DEFINITION_FIELDS, definition_values
from .workflow import PUBLISHED, record

#: the actor recorded in the history of imported pages
IMPORTER = 'cityportal-import-services'

_MISSING = object()


@dataclass
class Summary:
    created: list = field(default_factory=list)
    updated: list = field(default_factory=list)
    unchanged: list = field(default_factory=list)
    conflicts: list = field(default_factory=list)      # (service id, field)
    moved: list = field(default_factory=list)
    departments_created: list = field(default_factory=list)
    categories_created: list = field(default_factory=list)

    def line(self):
        return ('created %d, updated %d, unchanged %d, conflicts %d (in %d services), '
                'moved %d; departments created %d, categories created %d' % (
                    len(self.created), len(self.updated), len(self.unchanged),
                    len(self.conflicts), len({sid for sid, _ in self.conflicts}),
                    len(self.moved), len(self.departments_created),
                    len(self.categories_created)))


def _services_by_id(catalog_folder):
    found = {}
    for category in catalog_folder.values():
        for name, service in category.items():
            found[name] = service
    return found


def ensure_departments(root, departments, registry, summary):
    folder = root['departamente']
    for dep in departments:
        if dep['id'] in folder:
            continue
        api.content.create(folder, 'Department', name=dep['id'], registry=registry,
                           title=dep['title'],
                           letterhead=LETTERHEAD_BASE + tuple(dep.get('letterhead', ())),
                           address=dep.get('address', ''), phone=dep.get('phone', ''),
                           email=dep.get('email', ''))
        summary.departments_created.append(dep['id'])


def ensure_categories(root, categories, registry, summary):
    folder = root['servicii']
    for cat in categories:
        if cat['id'] in folder:
            continue
        api.content.create(folder, 'Category', name=cat['id'], registry=registry,
                           title=cat['title'], description=cat.get('description', ''))
        summary.categories_created.append(cat['id'])


def apply_definition(service, values, summary, sid):
    """Write ``values`` into ``service`` field by field; return the changed fields."""
    imported = dict(service.imported or {})
    changed = []
    for name in DEFINITION_FIELDS:
        new = values[name]
        current = getattr(service, name, None)
        last = imported.get(name, _MISSING)
        if current == new:
            imported[name] = new
        elif last is _MISSING and service.imported is not None:
            # a field the importer never wrote (new in the format): take it
            setattr(service, name, new)
            imported[name] = new
            changed.append(name)
        elif last is not _MISSING and current == last:
            setattr(service, name, new)          # nobody touched it: update
            imported[name] = new
            changed.append(name)
        else:
            summary.conflicts.append((sid, name))  # an editor's value: keep it
    service.imported = imported
    return changed


def import_catalog(root, catalog, registry=None):
    """Bring the site in line with ``catalog`` (from definitions.load_directory)."""
    summary = Summary()
    ensure_departments(root, catalog.departments, registry, summary)
    ensure_categories(root, catalog.categories, registry, summary)
    folder = root['servicii']
    featured = tuple(sid for sid in catalog.featured if sid in catalog.services)
    if tuple(getattr(folder, 'featured', ()) or ()) != featured:
        folder.featured = featured
    existing = _services_by_id(folder)
    for sid in sorted(catalog.services):
        definition = catalog.services[sid]
        values = definition_values(definition)
        category = folder[definition['category']]
        service = existing.get(sid)
        if service is None:
            service = api.content.create(category, 'Service', name=sid, registry=registry,
                                         state=PUBLISHED, **values)
            service.imported = dict(values)
            record(service, 'import', IMPORTER, 'creat din %s' % catalog.files[sid])
            summary.created.append(sid)
            continue
        if service.__parent__ is not category:
            old = service.__parent__
            old.remove(sid, registry=registry)
            category.add(sid, service, registry=registry)
            summary.moved.append((sid, old.__name__, category.__name__))
        changed = apply_definition(service, values, summary, sid)
        if changed:
            service.modified = utcnow()
            record(service, 'import', IMPORTER, 'actualizat: %s' % ', '.join(changed))
            notify(registry, ObjectModified(service))
            summary.updated.append(sid)
        elif not any(s == sid for s, _ in summary.conflicts):
            summary.unchanged.append(sid)
    return summary
