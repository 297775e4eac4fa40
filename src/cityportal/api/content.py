"""Create, edit, delete and move content."""
import re

from ..catalog.folding import fold
from ..content import get_content_types
from ..events import ObjectModified, notify
from ..exceptions import InvalidParameterError
from ..folder import MAX_NAME_LENGTH, utcnow, validate_name

_SLUG_STRIP = re.compile(r'[^a-z0-9]+')


def slugify(title, max_length=60):
    """'Certificat de urbanism (CU)' -> 'certificat-de-urbanism-cu'."""
    slug = _SLUG_STRIP.sub('-', fold(title or '')).strip('-')
    return slug[:max_length].rstrip('-') or 'element'


def unique_name(container, base):
    base = base[:MAX_NAME_LENGTH - 6]
    name, i = base, 1
    while name in container:
        i += 1
        name = '%s-%d' % (base, i)
    return name


def _audit(request, action, obj, **details):
    if request is not None:
        from ..audit import audit
        audit(request, action, target=obj, **details)


def create(container, type, name=None, registry=None, request=None, **fields):
    """Create a ``type`` (a registered content_type name) in ``container``.

    Without ``name`` one is derived from the title. Raises InvalidName or
    DuplicateName for a bad explicit name, InvalidParameterError for an
    unknown type or one not addable into this container.
    """
    types = get_content_types(registry) if registry is not None else {}
    cls = types.get(type)
    if cls is None:
        raise InvalidParameterError('Unknown content type: %r' % type)
    if type not in (getattr(container, 'addable', ()) or ()):
        raise InvalidParameterError('%s cannot be added into %s'
                                    % (type, container.content_type))
    if name:
        container.check_name(name)
    else:
        name = unique_name(container, slugify(fields.get('title', '')))
    validate_name(name)
    obj = cls(**fields)
    container.add(name, obj, registry=registry)
    after_create = getattr(obj, 'after_create', None)
    if after_create is not None and request is not None and request.identity is not None:
        after_create(request.identity.userid)
    _audit(request, 'content.create', obj, type=type)
    return obj


def edit(obj, registry=None, request=None, **fields):
    """Set ``fields`` on ``obj``, stamp modified, reindex."""
    changed = []
    for key, value in fields.items():
        if getattr(obj, key, None) != value:
            setattr(obj, key, value)
            changed.append(key)
    if changed:
        obj.modified = utcnow()
        notify(registry, ObjectModified(obj))
        _audit(request, 'content.edit', obj, fields=','.join(sorted(changed)))
    return changed


def delete(obj, registry=None, request=None):
    parent = obj.__parent__
    _audit(request, 'content.delete', obj)
    parent.remove(obj.__name__, registry=registry)
