"""Service definitions as data: schemas/services/*.yaml, validated with line numbers.

One YAML file per service (``<id>.yaml``), checked against
``schemas/services/service.schema.json`` (JSON Schema) and against the
catalog's own rules (the id equals the file name, the category and the
department exist, related services exist, field names are unique, ...).
``_categories.yaml`` and ``_departments.yaml`` list the categories and the
departments. Every problem is reported as ``file:line: reason``; one broken
file never stops the others from loading.

    python -m cityportal.services.definitions validate [schemas/services]
"""
import json
import os
import sys
from dataclasses import dataclass, field

import yaml

SCHEMA_FILE = 'service.schema.json'
CATEGORIES_FILE = '_categories.yaml'
DEPARTMENTS_FILE = '_departments.yaml'
FEATURED_FILE = '_featured.yaml'


def default_directory():
    here = os.path.dirname(os.path.abspath(__file__))
    return os.path.normpath(os.path.join(here, '..', '..', '..', 'schemas', 'services'))


@dataclass
class Problem:
    path: str
    line: int
    message: str

    def __str__(self):
        return '%s:%d: %s' % (self.path, self.line, self.message)


@dataclass
class Catalog:
    """What loading a directory of definitions produced."""
    categories: list = field(default_factory=list)
    departments: list = field(default_factory=list)
    featured: list = field(default_factory=list)      # service ids, display order
    services: dict = field(default_factory=dict)      # id -> definition (dict)
    files: dict = field(default_factory=dict)         # id -> path
    problems: list = field(default_factory=list)

    @property
    def ok(self):
        return not self.problems


class _LineLoader(yaml.SafeLoader):
    """A safe loader that also returns, for every path in the data, its line."""


def _load_with_lines(text):
    """(data, lines): lines maps a path tuple (keys and indexes) to a 1-based line."""
    node = yaml.compose(text, Loader=_LineLoader)
    lines = {}

    def walk(n, path):
        lines[path] = n.start_mark.line + 1
        if isinstance(n, yaml.MappingNode):
            for key_node, value_node in n.value:
                key = key_node.value
                lines[path + (key,)] = key_node.start_mark.line + 1
                walk(value_node, path + (key,))
                lines[path + (key,)] = key_node.start_mark.line + 1
        elif isinstance(n, yaml.SequenceNode):
            for i, item in enumerate(n.value):
                walk(item, path + (i,))
    if node is not None:
        walk(node, ())
    data = yaml.load(text, Loader=yaml.SafeLoader)
    return data, lines


def _line_for(lines, path):
    path = tuple(path)
    while path and path not in lines:
        path = path[:-1]
    return lines.get(path, 1)


def _validator(directory):
    from jsonschema import Draft202012Validator
    with open(os.path.join(directory, SCHEMA_FILE), encoding='utf-8') as f:
        schema = json.load(f)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def _read(path, problems):
    try:
        with open(path, encoding='utf-8') as f:
            text = f.read()
    except UnicodeDecodeError as e:
        problems.append(Problem(path, 1, 'not UTF-8: %s' % e))
        return None, None
    try:
        return _load_with_lines(text)
    except yaml.YAMLError as e:
        mark = getattr(e, 'problem_mark', None)
        line = mark.line + 1 if mark is not None else 1
        problems.append(Problem(path, line, 'YAML: %s' % (getattr(e, 'problem', None) or e)))
        return None, None


CEDILLA = {'\u015f': 'ș', '\u0163': 'ț', '\u015e': 'Ș', '\u0162': 'Ț'}


def _strings(value, path=()):
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(v, path + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _strings(v, path + (i,))


def _check_service(data, lines, path, catalog, problems):
    """Rules beyond the JSON schema."""
    stem = os.path.splitext(os.path.basename(path))[0]
    if data.get('id') != stem:
        problems.append(Problem(path, _line_for(lines, ('id',)),
                                'id %r differs from the file name %r' % (data.get('id'), stem)))
    category_ids = {c['id'] for c in catalog.categories}
    department_ids = {d['id'] for d in catalog.departments}
    if data.get('category') not in category_ids:
        problems.append(Problem(path, _line_for(lines, ('category',)),
                                'unknown category %r (see %s)' % (data.get('category'),
                                                                 CATEGORIES_FILE)))
    if data.get('department') not in department_ids:
        problems.append(Problem(path, _line_for(lines, ('department',)),
                                'unknown department %r (see %s)' % (data.get('department'),
                                                                   DEPARTMENTS_FILE)))
    seen = set()
    documents = {d['name'] for d in data.get('documents', ())}
    for i, fdef in enumerate(data.get('form', {}).get('fields', ())):
        name = fdef.get('name')
        if name in seen:
            problems.append(Problem(path, _line_for(lines, ('form', 'fields', i, 'name')),
                                    'field name %r used twice' % name))
        seen.add(name)
        values = [o['value'] for o in fdef.get('options', ())]
        if len(values) != len(set(values)):
            problems.append(Problem(path, _line_for(lines, ('form', 'fields', i, 'options')),
                                    'option values repeat in field %r' % name))
        if 'document' in fdef and fdef['document'] not in documents:
            problems.append(Problem(path, _line_for(lines, ('form', 'fields', i, 'document')),
                                    'field %r names a document not in documents: %r'
                                    % (name, fdef['document'])))
        if fdef.get('type') != 'file' and 'file' in fdef:
            problems.append(Problem(path, _line_for(lines, ('form', 'fields', i, 'file')),
                                    'only file fields take "file" limits'))
        if 'min' in fdef and 'max' in fdef and fdef['min'] > fdef['max']:
            problems.append(Problem(path, _line_for(lines, ('form', 'fields', i)),
                                    'min is greater than max in field %r' % name))
    fee = data.get('fee', {})
    if fee.get('kind') in ('free', 'unknown') and fee.get('amount_lei'):
        problems.append(Problem(path, _line_for(lines, ('fee',)),
                                'a %s fee has no amount' % fee['kind']))
    if data.get('status') == 'unavailable' and not data.get('unavailable_message'):
        problems.append(Problem(path, _line_for(lines, ('status',)),
                                'an unavailable service needs unavailable_message'))
    for spath, text in _strings(data):
        bad = sorted({c for c in text if c in CEDILLA})
        if bad:
            problems.append(Problem(path, _line_for(lines, spath),
                                    'cedilla letters %s: write %s (comma below)' % (
                                        ' '.join(bad), ' '.join(CEDILLA[c] for c in bad))))


def _load_list(directory, filename, problems, required=('id', 'title')):
    path = os.path.join(directory, filename)
    if not os.path.exists(path):
        problems.append(Problem(path, 1, 'missing'))
        return []
    data, lines = _read(path, problems)
    if data is None:
        return []
    if not isinstance(data, list):
        problems.append(Problem(path, 1, 'must be a list'))
        return []
    out, ids = [], set()
    for i, item in enumerate(data):
        line = _line_for(lines or {}, (i,))
        if not isinstance(item, dict) or any(k not in item for k in required):
            problems.append(Problem(path, line, 'each entry needs %s' % ', '.join(required)))
            continue
        if item['id'] in ids:
            problems.append(Problem(path, line, 'id %r used twice' % item['id']))
            continue
        ids.add(item['id'])
        out.append(item)
    return out


def load_directory(directory=None):
    """Load and validate every definition; return a :class:`Catalog`.

    Files that fail are left out of ``services`` and reported in
    ``problems``; the others load.
    """
    directory = directory or default_directory()
    catalog = Catalog()
    problems = catalog.problems
    catalog.categories = _load_list(directory, CATEGORIES_FILE, problems)
    catalog.departments = _load_list(directory, DEPARTMENTS_FILE, problems)
    featured_path = os.path.join(directory, FEATURED_FILE)
    if os.path.exists(featured_path):
        data, _lines = _read(featured_path, problems)
        if isinstance(data, list) and all(isinstance(x, str) for x in data):
            catalog.featured = data
        elif data is not None:
            problems.append(Problem(featured_path, 1, 'a list of service ids'))
    validator = _validator(directory)
    for filename in sorted(os.listdir(directory)):
        if not filename.endswith('.yaml') or filename.startswith('_'):
            continue
        path = os.path.join(directory, filename)
        before = len(problems)
        data, lines = _read(path, problems)
        if data is None:
            continue
        if not isinstance(data, dict):
            problems.append(Problem(path, 1, 'a service definition is a mapping'))
            continue
        for error in sorted(validator.iter_errors(data), key=lambda e: list(e.path)):
            where = '.'.join(str(p) for p in error.path) or '(top)'
            problems.append(Problem(path, _line_for(lines, error.path),
                                    '%s: %s' % (where, error.message)))
        try:
            _check_service(data, lines, path, catalog, problems)
        except (KeyError, TypeError, AttributeError):
            pass   # the shape is wrong: the schema errors above already say how
        if len(problems) == before:
            catalog.services[data['id']] = data
            catalog.files[data['id']] = path
    for sid in catalog.featured:
        if sid not in catalog.services and sid not in catalog.files:
            problems.append(Problem(featured_path, 1, 'featured service %r does not exist' % sid))
    for sid, data in catalog.services.items():
        for other in data.get('related', ()):
            if other not in catalog.services and other not in catalog.files:
                problems.append(Problem(catalog.files[sid], 1,
                                        'related service %r does not exist' % other))
    return catalog


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] != 'validate':
        print('usage: python -m cityportal.services.definitions validate [directory]',
              file=sys.stderr)
        return 2
    directory = argv[1] if len(argv) > 1 else default_directory()
    catalog = load_directory(directory)
    for problem in catalog.problems:
        print(problem)
    full = sum(1 for d in catalog.services.values() if d.get('detail') == 'full')
    categories = {d['category'] for d in catalog.services.values()}
    departments = {d['department'] for d in catalog.services.values()}
    print('%d services valid (%d full, %d short) in %d categories and %d departments; '
          '%d problem(s)' % (len(catalog.services), full, len(catalog.services) - full,
                            len(categories), len(departments), len(catalog.problems)))
    return 1 if catalog.problems else 0


if __name__ == '__main__':
    sys.exit(main())
