"""Login, logout, and the managers' views of staff accounts and roles."""
import colander
import deform
from pyramid.httpexceptions import HTTPSeeOther
from pyramid.security import forget, remember
from pyramid.view import view_config

from .. import api
from ..audit import audit, client_address
from ..exceptions import AuthenticationFailed, DuplicateName, InvalidName, LoginThrottled
from ..i18n import _, plural
from ..interfaces import IDepartment, IPortalRoot, IStaffUser, IStaffUsers
from ..layout.forms import FormView
from ..layout.views import safe_came_from
from ..security import (
    CLERK, MANAGE_USERS, SIGNATORY, EDITOR, PUBLISHER, STAFF_AREA, VIEW, get_local_roles)
from .resources import (
    ROLE_TITLES, StaffUserAddSchema, StaffUserEditSchema, password_validator)

LOCAL_ROLES = (CLERK, SIGNATORY, EDITOR, PUBLISHER)


class LoginSchema(colander.MappingSchema):
    login = colander.SchemaNode(
        colander.String(), title=_('Nume de utilizator'),
        validator=colander.Length(max=100),
        widget=deform.widget.TextInputWidget(attributes={'autocomplete': 'username'}))
    password = colander.SchemaNode(
        colander.String(), title=_('Parolă'), validator=colander.Length(max=200),
        widget=deform.widget.PasswordWidget(attributes={'autocomplete': 'current-password'}))
    came_from = colander.SchemaNode(colander.String(), missing='',
                                    widget=deform.widget.HiddenWidget())


class LoginForm(FormView):
    schema = LoginSchema
    renderer = 'cityportal:accounts/templates/login.pt'
    buttons = (deform.Button('submit', _('Intră în cont')),)
    cancel = False
    title = _('Autentificare personal')

    def before(self, form):
        form.action = self.request.application_url + '/login'

    def appstruct(self):
        return {'came_from': self.request.GET.get('came_from', '')[:2000]}

    def success(self, appstruct):
        request = self.request
        root = request.root
        address = client_address(request)
        try:
            user = api.user.authenticate(root, appstruct['login'], appstruct['password'],
                                         address=address)
        except LoginThrottled as e:
            minutes = max(1, round(e.args[0] / 60))
            throttle = root['utilizatori'].throttle
            if throttle.should_audit_block(appstruct['login'], address):
                audit(request, 'login.throttled', actor=appstruct['login'][:100])
            return self.login_error(appstruct, plural(
                minutes,
                _('Prea multe încercări eșuate. Încercați din nou peste un minut.'),
                _('Prea multe încercări eșuate. Încercați din nou peste ${n} minute.'),
                _('Prea multe încercări eșuate. Încercați din nou peste ${n} de minute.')))
        except AuthenticationFailed:
            audit(request, 'login.failed', actor=appstruct['login'][:100])
            return self.login_error(appstruct, _(
                'Numele de utilizator sau parola nu sunt corecte.'))
        remember(request, user.userid, session_key=user.session_key)
        audit(request, 'login', actor=user.userid)
        request.session.flash(_('Bun venit, ${name}!', mapping={'name': user.title}),
                              'success')
        target = safe_came_from(request, appstruct.get('came_from'),
                                request.application_url + '/@@personal')
        return HTTPSeeOther(target)

    def invalid(self, failure):
        # not doomed: a malformed login attempt (empty or over-long fields)
        # is a failure too, and goes to the audit log
        login = self.request.POST.get('login', '')
        audit(self.request, 'login.invalid', actor=login.strip()[:100] or None)

    def login_error(self, appstruct, message):
        # not doomed: the failure is recorded for the throttle and the audit log
        form = self.build_form()
        error = colander.Invalid(form.schema, message)
        form.widget.handle_error(form, error)
        values = {'login': appstruct['login'], 'came_from': appstruct.get('came_from', ''),
                  'csrf_token': self.request.POST.get('csrf_token', '')}
        form.cstruct = values
        return self.render(form.render(values), status_error=True)


@view_config(context=IPortalRoot, name='login', permission=VIEW)
def login(context, request):
    if request.identity is not None and request.method == 'GET':
        return HTTPSeeOther(request.application_url + '/@@personal')
    return LoginForm(context, request)()


@view_config(context=IPortalRoot, name='logout', permission=VIEW, request_method='POST')
def logout(context, request):
    identity = request.identity
    if identity is not None:   # an anonymous POST writes nothing (no session, no log)
        audit(request, 'logout', actor=identity.userid)
        forget(request)
        request.session.flash(_('V-ați deconectat.'), 'info')
    return HTTPSeeOther(request.application_url + '/')


@view_config(context=IPortalRoot, name='logout', permission=VIEW, request_method='GET',
             renderer='cityportal:accounts/templates/logout.pt')
def logout_confirm(context, request):
    """GET shows a button: logging out changes state, so it is a POST."""
    return {}


# managing accounts -------------------------------------------------------

class AddUserForm(FormView):
    schema = StaffUserAddSchema
    title = _('Cont nou de personal')

    def before(self, form):
        form.action = self.request.resource_url(self.context, '@@adauga-cont')

    def success(self, appstruct):
        try:
            user = api.user.create(
                self.request.root, appstruct['userid'], appstruct['password'],
                appstruct['title'], roles=sorted(appstruct['roles']),
                email=appstruct['email'], function=appstruct['function'],
                registry=self.request.registry, request=self.request)
        except (InvalidName, DuplicateName) as e:
            raise self.field_error('userid', e.message) from None
        user.active = appstruct['active']
        self.request.session.flash(_('Contul „${id}” a fost creat.',
                                     mapping={'id': user.userid}), 'success')
        return HTTPSeeOther(self.request.resource_url(user))


@view_config(context=IStaffUsers, name='adauga-cont', permission=MANAGE_USERS)
def add_user(context, request):
    return AddUserForm(context, request)()


class EditUserForm(FormView):
    schema = StaffUserEditSchema

    def __init__(self, context, request):
        super().__init__(context, request)
        self.title = _('Cont: ${id}', mapping={'id': context.userid})

    def appstruct(self):
        c = self.context
        return {'title': c.title, 'function': c.function, 'email': c.email,
                'roles': set(c.roles), 'active': c.active}

    def success(self, appstruct):
        request = self.request
        roles = appstruct.pop('roles')
        if self.context.userid == request.identity.userid and \
                'Manager' in self.context.roles and 'Manager' not in roles:
            raise self.field_error(
                'roles', _('Nu vă puteți retrage singur rolul de administrator.'))
        was_active = self.context.active
        api.content.edit(self.context, registry=request.registry, request=request,
                         **appstruct)
        if was_active and not self.context.active:
            self.context.new_session_key()   # a disabled account is logged out now
        if set(roles) != set(self.context.roles):
            api.user.set_roles(self.context, roles, registry=request.registry,
                               request=request)
        request.session.flash(_('Modificările au fost salvate.'), 'success')
        return HTTPSeeOther(request.resource_url(self.context))


@view_config(context=IStaffUser, name='edit', permission=MANAGE_USERS)
def edit_user(context, request):
    return EditUserForm(context, request)()


class PasswordSchema(colander.MappingSchema):
    password = colander.SchemaNode(
        colander.String(), title=_('Parolă nouă'), validator=password_validator,
        widget=deform.widget.CheckedPasswordWidget())


class SetPasswordForm(FormView):
    schema = PasswordSchema
    title = _('Parolă nouă')

    def success(self, appstruct):
        self.context.set_password(appstruct['password'])   # ends the user's sessions
        audit(self.request, 'user.password', target=self.context)
        self.request.session.flash(_('Parola a fost schimbată.'), 'success')
        return HTTPSeeOther(self.request.resource_url(self.context))


@view_config(context=IStaffUser, name='parola', permission=MANAGE_USERS)
def set_password(context, request):
    return SetPasswordForm(context, request)()


class OwnPasswordSchema(PasswordSchema):
    current = colander.SchemaNode(
        colander.String(), title=_('Parola actuală'), insert_before='password',
        widget=deform.widget.PasswordWidget(attributes={'autocomplete': 'current-password'}))


class OwnPasswordForm(FormView):
    schema = OwnPasswordSchema
    title = _('Schimbați parola')

    def cancel_url(self):
        return self.request.application_url + '/@@personal'

    def success(self, appstruct):
        user = self.request.identity
        if not user.check_password(appstruct['current']):
            raise self.field_error('current', _('Parola actuală nu este corectă.'))
        user.set_password(appstruct['password'])
        # set_password ends every session of the account; keep this one
        self.request.session['skey'] = user.session_key
        audit(self.request, 'user.password', target=user)
        self.request.session.flash(_('Parola a fost schimbată.'), 'success')
        return HTTPSeeOther(self.request.application_url + '/@@personal')


@view_config(context=IPortalRoot, name='parola', permission=STAFF_AREA)
def own_password(context, request):
    return OwnPasswordForm(context, request)()


# local roles on a department -------------------------------------------

@colander.deferred
def staff_widget(node, kw):
    users = kw['request'].root['utilizatori']
    return deform.widget.SelectWidget(
        values=[('', _('— alegeți —'))] + [(u.userid, '%s (%s)' % (u.title, u.userid))
                                          for u in users.values()])


@colander.deferred
def staff_validator(node, kw):
    users = kw['request'].root['utilizatori']
    return colander.Function(lambda v: v in users, _('Alegeți un cont existent.'))


class LocalRolesSchema(colander.MappingSchema):
    userid = colander.SchemaNode(colander.String(), title=_('Cont'),
                                 widget=staff_widget, validator=staff_validator)
    roles = colander.SchemaNode(
        colander.Set(), title=_('Roluri în acest departament'), missing=(),
        validator=colander.ContainsOnly(LOCAL_ROLES),
        widget=deform.widget.CheckboxChoiceWidget(
            values=[(r, ROLE_TITLES[r]) for r in LOCAL_ROLES]),
        description=_('Fără niciun rol bifat, accesul contului la departament se retrage.'))


class LocalRolesForm(FormView):
    schema = LocalRolesSchema
    renderer = 'cityportal:accounts/templates/local_roles.pt'

    def __init__(self, context, request):
        super().__init__(context, request)
        self.title = _('Roluri: ${title}', mapping={'title': context.title})

    def before(self, form):
        form.action = self.request.resource_url(self.context, '@@roluri')

    def current(self):
        users = self.request.root['utilizatori']
        out = []
        for userid, roles in sorted(get_local_roles(self.context).items()):
            user = users.get(userid)
            out.append((userid, user.title if user else userid,
                        [ROLE_TITLES.get(r, r) for r in sorted(roles)]))
        return out

    def success(self, appstruct):
        api.user.grant_local_roles(self.context, appstruct['userid'],
                                   sorted(appstruct['roles']),
                                   registry=self.request.registry, request=self.request)
        self.request.session.flash(_('Rolurile au fost actualizate.'), 'success')
        return HTTPSeeOther(self.request.resource_url(self.context, '@@roluri'))


@view_config(context=IDepartment, name='roluri', permission=MANAGE_USERS)
def local_roles(context, request):
    return LocalRolesForm(context, request)()
