"""The one form base every deform form view subclasses.

``FormView`` binds the schema to the request, adds the CSRF token as a
hidden field, validates, and on failure re-renders the form with the values
and the errors (nothing is written: the view raises no exception but the
transaction is doomed). On success it calls ``success(appstruct)``.
"""
import colander
import deform
from pyramid.i18n import get_localizer
from pyramid.csrf import get_csrf_token
from pyramid.threadlocal import get_current_request

from ..i18n import _

FORM_TEMPLATE = 'cityportal:layout/templates/form.pt'


def _translator(term):
    # deform renders inside a request; its widgets' messages go through our
    # localizer so Romanian (or English) applies to them too
    request = get_current_request()
    if request is None:
        return term
    return get_localizer(request).translate(term)


def configure_deform(config):
    from importlib.resources import files
    search_path = (str(files('cityportal') / 'layout' / 'deform_templates'),
                   str(files('deform') / 'templates'))
    deform.Form.set_zpt_renderer(search_path, translator=_translator)


class CSRFSchema(colander.MappingSchema):
    csrf_token = colander.SchemaNode(
        colander.String(), widget=deform.widget.HiddenWidget(), missing='')


class FormView:
    """Base of form views: subclasses set ``schema`` and ``success``."""

    schema = None
    buttons = (deform.Button('save', _('Salvează')),)
    cancel = True
    title = None
    form_class = 'cp-form'
    renderer = FORM_TEMPLATE

    def __init__(self, context, request):
        self.context = context
        self.request = request

    # hooks -----------------------------------------------------------

    def make_schema(self):
        return self.schema()

    def appstruct(self):
        return {}

    def before(self, form):
        pass

    def success(self, appstruct):
        raise NotImplementedError

    def invalid(self, failure):
        """The submission did not validate: by default nothing of it is written."""
        self.request.tm.doom()

    def cancel_url(self):
        return self.request.resource_url(self.context)

    def field_error(self, name, message):
        """An Invalid for the field ``name`` that ``success`` may raise.

        The form re-renders with ``message`` next to that field and all the
        submitted values; the transaction is doomed.
        """
        schema = self.form.schema
        if hasattr(message, 'interpolate'):
            message = self.request.localizer.translate(message)
        error = colander.Invalid(schema, '')
        for pos, node in enumerate(schema.children):
            if node.name == name:
                error.add(colander.Invalid(node, message), pos)
                return error
        return colander.Invalid(schema, message)

    # machinery ---------------------------------------------------------

    def build_form(self):
        schema = self.make_schema()
        schema.add(colander.SchemaNode(
            colander.String(), name='csrf_token', missing='',
            widget=deform.widget.HiddenWidget()))
        schema = schema.bind(request=self.request, context=self.context)
        buttons = list(self.buttons)
        if self.cancel:
            buttons.append(deform.Button('cancel', _('Renunță'), css_class='secondary'))
        form = deform.Form(schema, buttons=buttons, css_class=self.form_class,
                           formid='cpform')
        self.before(form)
        return form

    def __call__(self):
        request = self.request
        form = self.form = self.build_form()
        if request.method == 'POST':
            if 'cancel' in request.POST:
                from pyramid.httpexceptions import HTTPSeeOther
                return HTTPSeeOther(self.cancel_url())
            controls = request.POST.items()
            try:
                appstruct = form.validate(controls)
            except deform.ValidationFailure as e:
                self.invalid(e)
                return self.render(e.render(), status_error=True)
            appstruct.pop('csrf_token', None)
            try:
                return self.success(appstruct)
            except colander.Invalid as e:
                request.tm.doom()
                form.widget.handle_error(form, e)
                e2 = deform.ValidationFailure(form, controls, e)
                return self.render(e2.render(), status_error=True)
        values = dict(self.appstruct())
        values['csrf_token'] = get_csrf_token(request)
        return self.render(form.render(values))

    def render(self, form_html, status_error=False):
        from pyramid.renderers import render_to_response
        if status_error:
            self.request.response.status = 400
        return render_to_response(
            self.renderer,
            {'form': form_html, 'title': self.title, 'context': self.context,
             'view': self, 'has_errors': status_error},
            request=self.request, response=self.request.response)
