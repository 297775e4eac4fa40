"""Filing a request online: the citizen's side of a case, from the form to the receipt.

    service @@cerere --POST--> a draft in the dossier the citizen acts for
    draft   @@formular        the generated form, prefilled; "save the draft" / "check"
    draft   @@verificare      every answer, the files, what the city fetches itself,
                              the fee and the term; POST "submit" -> cases.api.submit
    case    @@confirmare      the receipt (and an e-mail, sent after the commit)
    draft   @@sterge-ciorna   delete the draft (confirm, POST)
    case    @@retrage         withdraw the request while it is undecided (confirm, POST)

``forms``: the generated form of a draft (what is kept, what is refused);
``views``: who files where, and the pages. The submission is one transaction
(``cases.api.submit``); a ConflictError there is retried by pyramid_retry.
"""
from .forms import CaseForm, FilingForm, with_csrf  # noqa: F401
from .views import (  # noqa: F401
    acting_for, actor_of, asked_fields, case_acting_for, create_draft, filing_dossier,
    find_drafts, once_only, start_filing)


def includeme(config):
    config.scan(__name__)
