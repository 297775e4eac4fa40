"""Demo data for `make run` and the tests: departments, staff, a few services.

Idempotent: what exists is left as it is (an editor's changes survive a
re-run). The full service catalog comes from schemas/services/ in its own
issue; these few pages only make the portal navigable.
"""
from . import api

LETTERHEAD_BASE = ('ROMÂNIA', 'JUDEȚUL TIMIȘ', 'MUNICIPIUL TIMIȘOARA',
                   'PRIMĂRIA MUNICIPIULUI TIMIȘOARA')

DEPARTMENTS = (
    ('urbanism', 'Direcția Urbanism / Instituția Arhitectului Șef',
     ('DIRECȚIA URBANISM',), 'Str. Eugeniu de Savoya nr. 2, Timișoara',
     '0256 408 300', 'urbanism@primariatm.ro'),
    ('fiscala', 'Direcția Fiscală a Municipiului Timișoara',
     ('DIRECȚIA FISCALĂ A MUNICIPIULUI TIMIȘOARA',), 'Str. Gheorghe Lazăr nr. 9B, Timișoara',
     '0256 408 300', 'dfmt@dfmt.ro'),
    ('evidenta-persoanelor', 'Direcția de Evidență a Persoanelor',
     ('DIRECȚIA DE EVIDENȚĂ A PERSOANELOR', 'SERVICIUL STARE CIVILĂ'),
     'Bd. Revoluției din 1989 nr. 17, Timișoara', '0256 408 300', 'evidenta@primariatm.ro'),
    ('asistenta-sociala', 'Direcția de Asistență Socială a Municipiului Timișoara',
     ('DIRECȚIA DE ASISTENȚĂ SOCIALĂ',), 'Str. Aristide Demetriade nr. 2, Timișoara',
     '0256 408 300', 'office@dasmt.ro'),
    ('comert', 'Serviciul Autorizare Activități Comerciale și Publicitate',
     ('DIRECȚIA ECONOMICĂ', 'SERVICIUL AUTORIZARE ACTIVITĂȚI COMERCIALE ȘI PUBLICITATE'),
     'Bd. C.D. Loga nr. 1, Timișoara', '0256 408 300', 'comert@primariatm.ro'),
    ('comunicare', 'Direcția Comunicare',
     ('DIRECȚIA COMUNICARE', 'SERVICIUL RELAȚII CU PUBLICUL ȘI REGISTRATURĂ'),
     'Bd. C.D. Loga nr. 1, Timișoara', '0256 408 300', 'relatiipublice@primariatm.ro'),
)

#: (userid, password, full name, function, global roles, {department: local roles})
STAFF = (
    ('admin', 'demo-admin-2026', 'Adriana Mureșan', 'Administrator portal',
     ('Manager',), {}),
    # also verifies representation requests (cityportal.representations_department)
    ('functionar', 'demo-functionar-2026', 'Ștefan Țăranu', 'Consilier',
     (), {'urbanism': ('Clerk',), 'evidenta-persoanelor': ('Clerk',)}),
    ('semnatar', 'demo-semnatar-2026', 'Ioana Dăscălescu', 'Arhitect-șef',
     (), {'urbanism': ('Signatory',)}),
    ('editor', 'demo-editor-2026', 'Mihai Bălănescu', 'Editor web', ('Editor',), {}),
    ('publicator', 'demo-publicator-2026', 'Irina Câmpeanu', 'Șef serviciu comunicare',
     ('Publisher',), {}),
    ('operator', 'demo-operator-2026', 'Radu Știrbu', 'Operator integrări',
     ('Operator',), {}),
)

CATEGORIES = (
    ('urbanism-si-constructii', 'Urbanism și construcții',
     'Certificate de urbanism, autorizații de construire și de desființare, avize.'),
    ('taxe-si-impozite-locale', 'Taxe și impozite locale',
     'Impozitul pe clădiri, pe teren și pe mijloacele de transport, certificate fiscale.'),
    ('stare-civila', 'Stare civilă',
     'Certificate de naștere, căsătorie și deces, transcrieri, schimbări de nume.'),
    ('asistenta-sociala', 'Asistență socială',
     'Ajutoare, indemnizații și servicii sociale pentru familii și persoane vulnerabile.'),
    ('informatii-publice', 'Informații publice și relația cu cetățenii',
     'Petiții, cereri de informații de interes public, copii din arhivă.'),
)

SERVICES = (
    ('urbanism-si-constructii', 'Certificat de urbanism pentru lucrări de construire/desființare',
     'Actul de informare care face cunoscute regimul juridic, economic și tehnic al unui imobil '
     'și cerințele urbanistice pentru lucrările propuse.', 'urbanism',
     ('certificat de urbanism', 'CU', 'construire', 'desființare')),
    ('urbanism-si-constructii', 'Autorizație de construire',
     'Actul prin care primăria permite executarea lucrărilor de construcții.', 'urbanism',
     ('autorizație', 'AC', 'construcție')),
    ('taxe-si-impozite-locale', 'Certificat de atestare fiscală pentru persoane fizice',
     'Certificatul care arată obligațiile fiscale la bugetul local ale unei persoane.',
     'fiscala', ('certificat fiscal', 'atestare fiscală')),
    ('taxe-si-impozite-locale', 'Declararea clădirilor dobândite de persoane fizice',
     'Declarația fiscală pentru stabilirea impozitului pe clădiri după o cumpărare.',
     'fiscala', ('impozit pe clădiri', 'declarație fiscală')),
    ('stare-civila', 'Eliberarea certificatului de naștere (duplicat)',
     'Eliberarea unui nou certificat de naștere în locul celui pierdut, furat sau deteriorat.',
     'evidenta-persoanelor', ('certificat de naștere', 'duplicat')),
    ('asistenta-sociala', 'Indemnizație pentru creșterea copilului',
     'Indemnizația lunară acordată unuia dintre părinți pentru creșterea copilului.',
     'asistenta-sociala', ('indemnizație', 'creșterea copilului', 'concediu')),
    ('informatii-publice', 'Petiție',
     'Cerere, reclamație, sesizare sau propunere adresată primăriei (OG nr. 27/2002).',
     'comunicare', ('petiție', 'sesizare', 'reclamație')),
    ('informatii-publice', 'Solicitare de informații de interes public',
     'Cerere de informații de interes public în baza Legii nr. 544/2001.',
     'comunicare', ('informații publice', 'Legea 544')),
)


def seed(root, registry=None, services=True):
    """Create what is missing of the demo data; return counts of what was created.

    ``services=False`` leaves out the demo categories and services (the real
    catalog is imported from schemas/services/ instead).
    """
    created = {'departments': 0, 'users': 0, 'categories': 0, 'services': 0}
    departments = root['departamente']
    for name, title, lines, address, phone, email in DEPARTMENTS:
        if name not in departments:
            api.content.create(departments, 'Department', name=name, registry=registry,
                               title=title, letterhead=LETTERHEAD_BASE + lines,
                               address=address, phone=phone, email=email,
                               public_hours='Luni–Joi 8:30–16:00, Vineri 8:30–13:00')
            created['departments'] += 1
    users = root['utilizatori']
    for userid, password, title, function, roles, local in STAFF:
        if userid not in users:
            api.user.create(root, userid, password, title, roles=roles,
                            function=function, email='%s@demo.primariatm.ro' % userid,
                            registry=registry)
            for dep, local_roles in local.items():
                api.user.grant_local_roles(departments[dep], userid, local_roles,
                                           registry=registry)
            created['users'] += 1
    if not services:
        return created
    services = root['servicii']
    for name, title, description in CATEGORIES:
        if name not in services:
            api.content.create(services, 'Category', name=name, registry=registry,
                               title=title, description=description)
            created['categories'] += 1
    for category, title, description, department, keywords in SERVICES:
        folder = services[category]
        name = api.content.slugify(title)
        if name not in folder:
            api.content.create(folder, 'Service', name=name, registry=registry,
                               title=title, description=description,
                               department=department, keywords=keywords,
                               state='published')
            created['services'] += 1
    return created
