"""The field editor of a service's online form, without JavaScript.

``@@formular`` lists the fields of ``Service.form_fields`` in order, each with
its own small forms (modify, move up, move down, delete); ``@@formular-adauga``
and ``@@formular-modifica`` are deform forms for one field, whose settings
depend on its type (chosen first, since a form cannot change shape without
JavaScript). A field is the dict the definition files use
(schemas/services/service.schema.json, ``$defs/field``), and every dict this
editor writes is checked against that very schema before it is stored.

- ``fields``: field dicts and field lists as plain functions (no request);
- ``forms``: the colander/deform form of one field, by type;
- ``views``: the pages, all behind the EDIT permission of ``@@edit`` (so the
  workflow's ACLs apply: editors change drafts, publishers the rest).
"""


def includeme(config):
    config.scan(__name__)
