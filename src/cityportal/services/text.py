"""The service sheets' long texts: a small, safe subset of Markdown.

Paragraphs separated by blank lines, ``- `` bullet lists, ``**bold**`` and
``[text](https://…)`` links. Everything is escaped first, so no markup of the
source reaches the page: the output is sanitised by construction.
"""
import re
from html import escape

_BOLD = re.compile(r'\*\*(.+?)\*\*')
_LINK = re.compile(r'\[([^\]]{1,200})\]\((https?://[^\s)]{1,500}|/[^\s)]{0,500})\)')


def _inline(text):
    text = escape(text, quote=True)
    text = _BOLD.sub(r'<strong>\1</strong>', text)
    return _LINK.sub(lambda m: '<a href="%s">%s</a>' % (m.group(2), m.group(1)), text)


def render(source):
    """HTML for ``source`` (see the module docstring); '' for empty text."""
    if not source:
        return ''
    out = []
    for block in re.split(r'\n\s*\n', source.strip()):
        lines = [line.rstrip() for line in block.splitlines() if line.strip()]
        items, para = [], []
        for line in lines:
            stripped = line.lstrip()
            if stripped.startswith('- '):
                if para:
                    out.append('<p>%s</p>' % _inline(' '.join(para)))
                    para = []
                items.append(stripped[2:].strip())
            elif items and line.startswith((' ', '\t')):
                items[-1] += ' ' + stripped          # a list item's continuation
            else:
                if items:
                    out.append('<ul>%s</ul>' % ''.join('<li>%s</li>' % _inline(i)
                                                       for i in items))
                    items = []
                para.append(stripped)
        if para:
            out.append('<p>%s</p>' % _inline(' '.join(para)))
        if items:
            out.append('<ul>%s</ul>' % ''.join('<li>%s</li>' % _inline(i) for i in items))
    return '\n'.join(out)


def plain(source):
    """The text without markup, for search and summaries."""
    if not source:
        return ''
    text = _LINK.sub(r'\1', source)
    return _BOLD.sub(r'\1', text).replace('\n- ', '\n')
