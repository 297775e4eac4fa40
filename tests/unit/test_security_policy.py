"""Roles, local roles and the ACL policy, without a web request."""
from pyramid.authorization import ACLHelper, Authenticated, Everyone

from cityportal import security as s


class Node:
    def __init__(self, name, parent=None, acl=None, local=None):
        self.__name__ = name
        self.__parent__ = parent
        if acl is not None:
            self.__acl__ = acl
        if local is not None:
            self.__local_roles__ = local


def tree():
    root = Node('', acl=s.ROOT_ACL)
    urb = Node('urbanism', root, local={'ana': frozenset({s.CLERK})})
    fisc = Node('fiscala', root)
    case = Node('case', urb)
    private = Node('dosare', root, acl=s.private_acl())
    return root, urb, fisc, case, private


def permits(context, userid, roles, permission):
    principals = s.principals_for(userid, roles, context)
    return bool(ACLHelper().permits(context, principals, permission))


def test_anonymous_principals():
    assert s.principals_for(None, (), None) == [Everyone]


def test_user_principals_include_global_roles():
    root, *_ = tree()
    p = s.principals_for('bob', ['Editor'], root)
    assert {Everyone, Authenticated, 'u:bob', 'role:Editor'} <= set(p)


def test_local_role_applies_below_and_not_beside():
    root, urb, fisc, case, _ = tree()
    assert permits(case, 'ana', (), s.WORK_CASE)
    assert permits(urb, 'ana', (), s.WORK_CASE)
    assert not permits(fisc, 'ana', (), s.WORK_CASE)
    assert not permits(root, 'ana', (), s.WORK_CASE)


def test_manager_has_everything_even_in_private_areas():
    *_, private = tree()
    for perm in s.ALL_NAMED_PERMISSIONS:
        assert permits(private, 'boss', [s.MANAGER], perm)


def test_private_area_denies_everyone_else():
    *_, private = tree()
    assert not permits(private, None, (), s.VIEW)
    assert not permits(private, 'ed', [s.EDITOR], s.VIEW)


def test_role_permission_matrix_on_root():
    root, *_ = tree()
    expect = {
        s.EDITOR: {s.ADD, s.EDIT, s.DELETE, s.STAFF_AREA},
        s.PUBLISHER: {s.ADD, s.EDIT, s.DELETE, s.PUBLISH, s.STAFF_AREA},
        s.OPERATOR: {s.MANAGE_INTEGRATIONS, s.VIEW_AUDIT, s.MANAGE_SITE, s.STAFF_AREA},
        s.CITIZEN: {s.SUBMIT},
    }
    for role_name, allowed in expect.items():
        for perm in s.ALL_NAMED_PERMISSIONS:
            if perm == s.VIEW:
                continue
            assert permits(root, 'x', [role_name], perm) == (perm in allowed), (role_name, perm)


def test_set_local_roles_validates_and_revokes():
    node = Node('n')
    s.set_local_roles(node, 'ana', {s.CLERK})
    assert s.get_local_roles(node) == {'ana': frozenset({s.CLERK})}
    s.set_local_roles(node, 'ana', ())
    assert s.get_local_roles(node) == {}
    import pytest
    with pytest.raises(ValueError):
        s.set_local_roles(node, 'ana', {'Pope'})


def test_password_hash_roundtrip():
    h = s.hash_password('o parolă lungă ăîșț')
    assert h.startswith('$argon2')
    assert s.check_password(h, 'o parolă lungă ăîșț')
    assert not s.check_password(h, 'alta')
    assert not s.check_password(None, 'x')
    assert not s.check_password('garbage', 'x')


def test_staff_identity_gets_implied_staff_role():
    class Ident:
        roles = ('Editor',)
        is_staff = True
    assert s.identity_roles(Ident()) == ('Editor', s.STAFF)
