"""Shared colander building blocks for content schemas (Romanian messages)."""
import colander
import deform

from .folder import MAX_NAME_LENGTH, validate_name
from .exceptions import InvalidName
from .i18n import _, at_most_characters, plural

TITLE_MAX = 200
DESCRIPTION_MAX = 2000
LINE_MAX = 300


def name_validator(node, value):
    try:
        validate_name(value)
    except InvalidName as e:
        raise colander.Invalid(node, e.message)


def title_node(title=_('Titlu'), **kw):
    return colander.SchemaNode(
        colander.String(), title=title,
        validator=colander.Length(min=1, max=TITLE_MAX,
                                  max_err=at_most_characters(TITLE_MAX)),
        **kw)


def text_node(title, max=DESCRIPTION_MAX, missing='', rows=4, **kw):
    return colander.SchemaNode(
        colander.String(), title=title, missing=missing,
        validator=colander.Length(max=max, max_err=at_most_characters(max)),
        widget=deform.widget.TextAreaWidget(rows=rows), **kw)


def line_node(title, max=LINE_MAX, missing='', **kw):
    return colander.SchemaNode(
        colander.String(), title=title, missing=missing,
        validator=colander.Length(max=max, max_err=at_most_characters(max)),
        **kw)


def name_node(title=_('Nume în adresă (URL)'), **kw):
    return colander.SchemaNode(
        colander.String(), title=title, validator=name_validator,
        description=_('Litere fără diacritice, cifre și „-”, de exemplu '
                      '„certificat-urbanism”.'), **kw)


class LinesType(colander.String):
    """A textarea whose lines become a tuple of non-empty strings."""

    def serialize(self, node, appstruct):
        if appstruct is colander.null or appstruct is None:
            return colander.null
        return '\n'.join(appstruct)

    def deserialize(self, node, cstruct):
        value = super().deserialize(node, cstruct)
        if value is colander.null:
            return colander.null
        return tuple(line.strip() for line in value.splitlines() if line.strip())


def lines_node(title, max_lines=12, missing=(), **kw):
    def validator(node, value):
        if len(value) > max_lines:
            raise colander.Invalid(node, plural(
                max_lines, _('Cel mult un rând.'), _('Cel mult ${n} rânduri.'),
                _('Cel mult ${n} de rânduri.')))
        for line in value:
            if len(line) > LINE_MAX:
                raise colander.Invalid(node, _('Un rând are cel mult ${max} de caractere.',
                                               mapping={'max': LINE_MAX}))
    return colander.SchemaNode(LinesType(), title=title, missing=missing,
                               validator=validator,
                               widget=deform.widget.TextAreaWidget(rows=max(3, min(max_lines, 7))),
                               **kw)


__all__ = ['name_validator', 'title_node', 'text_node', 'line_node', 'name_node',
           'lines_node', 'MAX_NAME_LENGTH']
