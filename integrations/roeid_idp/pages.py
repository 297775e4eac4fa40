"""The HTML pages of the ROeID stand-in, in Romanian (lang="ro", comma-below ș and ț).

Every page works without JavaScript: the one script there is (auto-submitting the SAML
Response to the service provider) has a visible button inside <noscript> as its fallback.
Every value is HTML-escaped here; callers pass plain text.
"""
from html import escape

STYLE = """
body { font-family: system-ui, sans-serif; margin: 0; color: #1b1b1b; background: #f4f6f9; }
header { background: #00338d; color: #fff; padding: .8rem 1.5rem; }
header p { margin: 0; font-weight: 600; font-size: 1.2rem; }
header span { font-weight: 400; font-size: .9rem; margin-left: .6rem; }
main { max-width: 52rem; margin: 1.5rem auto; background: #fff; padding: 1.5rem 2rem;
       border: 1px solid #d0d5dd; }
h1 { margin-top: 0; font-size: 1.6rem; }
label { display: block; font-weight: 600; margin-top: 1rem; }
input[type=text], input[type=password] { font-size: 1rem; padding: .45rem; width: 18rem;
       max-width: 100%; border: 1px solid #555; }
button { margin-top: 1.2rem; font-size: 1rem; padding: .55rem 1.4rem; background: #00338d;
         color: #fff; border: 0; cursor: pointer; }
:focus-visible { outline: 3px solid #ffbf47; outline-offset: 2px; }
.eroare { color: #a4000f; font-weight: 600; border-left: 4px solid #a4000f; padding-left: .6rem; }
table { border-collapse: collapse; margin-top: 1.5rem; font-size: .9rem; width: 100%; }
caption { text-align: left; font-weight: 600; margin-bottom: .4rem; }
th, td { border: 1px solid #d0d5dd; padding: .3rem .5rem; text-align: left; vertical-align: top; }
code { font-size: .9rem; }
"""


def layout(title, content):
    return f"""<!DOCTYPE html>
<html lang="ro">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)} · ROeID (mediu de test)</title>
<style>{STYLE}</style>
</head>
<body>
<header><p>ROeID<span>mediu de test al Primăriei — nu folosiți date reale</span></p></header>
<main>
{content}
</main>
</body>
</html>
"""


def login_page(citizens, *, request_token='', service='', username='', error=False):
    """The sign-in form, with the table of test accounts below it."""
    notice = ''
    if service:
        notice = (f'<p>Serviciul <strong>{escape(service)}</strong> vă cere să vă '
                  f'autentificați.</p>')
    alert = ''
    described = ''
    if error:
        alert = ('<p class="eroare" id="eroare" role="alert">Numele de utilizator sau parola '
                 'sunt greșite. Verificați-le și încercați din nou.</p>')
        described = ' aria-describedby="eroare" aria-invalid="true"'
    rows = '\n'.join(
        f'<tr><td><code>{escape(c.username)}</code></td><td>{escape(c.full_name)}</td>'
        f'<td>{escape(c.cnp or "—")}</td><td>{escape(c.purpose)}</td></tr>'
        for c in citizens)
    content = f"""<h1>Autentificare ROeID</h1>
{notice}
{alert}
<form method="post" action="/login">
<input type="hidden" name="cerere" value="{escape(request_token)}">
<label for="utilizator">Nume de utilizator</label>
<input type="text" id="utilizator" name="utilizator" value="{escape(username)}"
 autocomplete="username" autocapitalize="none" spellcheck="false" required{described}>
<label for="parola">Parolă</label>
<input type="password" id="parola" name="parola" autocomplete="current-password"
 required{described}>
<div><button type="submit">Autentificare</button></div>
</form>
<table>
<caption>Conturi de test (parola este <code>roeid</code> pentru toate)</caption>
<thead><tr><th scope="col">Utilizator</th><th scope="col">Nume</th><th scope="col">CNP</th>
<th scope="col">Scop</th></tr></thead>
<tbody>
{rows}
</tbody>
</table>"""
    return layout('Autentificare ROeID', content)


def post_page(acs_url, saml_response, relay_state, service):
    """The page that carries the SAML Response to the service provider (HTTP-POST binding)."""
    relay = ''
    if relay_state:
        relay = f'<input type="hidden" name="RelayState" value="{escape(relay_state)}">'
    content = f"""<h1>Vă întoarceți la serviciu</h1>
<p>Răspunsul ROeID este trimis către <strong>{escape(service)}</strong>.</p>
<form method="post" action="{escape(acs_url)}" id="raspuns-saml">
<input type="hidden" name="SAMLResponse" value="{escape(saml_response)}">
{relay}
<noscript>
<p>JavaScript este dezactivat în browser: apăsați butonul pentru a continua.</p>
<button type="submit">Continuați</button>
</noscript>
</form>
<script>document.getElementById('raspuns-saml').submit();</script>"""
    return layout('Redirecționare către serviciu', content)


def signed_in_page(citizen, expires):
    content = f"""<h1>Sunteți autentificat</h1>
<p>Sunteți autentificat în ROeID ca <strong>{escape(citizen.full_name)}</strong>.
Sesiunea expiră la {escape(expires)} (UTC).</p>
<p><a href="/logout">Deconectare</a></p>"""
    return layout('Sunteți autentificat', content)


def logout_page(citizen, csrf_token):
    content = f"""<h1>Deconectare</h1>
<p>Sunteți autentificat ca <strong>{escape(citizen.full_name)}</strong>. Deconectarea vă
scoate și din serviciile în care ați intrat cu ROeID.</p>
<form method="post" action="/logout">
<input type="hidden" name="jeton" value="{escape(csrf_token)}">
<button type="submit">Deconectare</button>
</form>"""
    return layout('Deconectare', content)


def logged_out_page():
    content = """<h1>Ați fost deconectat</h1>
<p>Sesiunea ROeID s-a încheiat. Puteți închide această fereastră.</p>
<p><a href="/login">Autentificare din nou</a></p>"""
    return layout('Ați fost deconectat', content)


def not_signed_in_page():
    content = """<h1>Deconectare</h1>
<p>Nu sunteți autentificat în ROeID.</p>
<p><a href="/login">Autentificare</a></p>"""
    return layout('Deconectare', content)


def error_page(title, text):
    content = f"""<h1>{escape(title)}</h1>
<p class="eroare" role="alert">{escape(text)}</p>"""
    return layout(title, content)
