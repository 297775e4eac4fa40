"""Stand-in ROeID identity provider: a SAML 2.0 IdP on pysaml2 for cityportal's tests and demo.

Run it with ``python -m integrations.roeid_idp`` (see __main__.py and README.md). Modules:

* citizens: the test citizens, their CNPs and the attributes released about them;
* keys: the IdP key pair, generated on first run;
* idp: pysaml2 configuration, the Server subclass and the one function that issues Responses;
* metadata: the trusted SP metadata (files and lazily fetched URLs);
* server: the WSGI application (sign-in, single sign-on, single logout);
* pages: the Romanian HTML pages;
* forge: in-process Responses with chosen defects, for the SP's attack tests.

cityportal itself (src/cityportal) never imports this package.
"""
