"""cityportal: the single front door of a city hall, on Pyramid and ZODB."""
import os

from setuptools import find_packages, setup

here = os.path.abspath(os.path.dirname(__file__))
with open(os.path.join(here, 'README.md'), encoding='utf-8') as f:
    README = f.read()

requires = [
    'setuptools<81',        # pyramid 2.1 and deform 3.0.1 import pkg_resources
    'pyramid>=2.0,<2.2',
    'pyramid_tm',
    'pyramid_retry',
    'pyramid_zodbconn',
    'pyramid_chameleon',
    'Chameleon',
    'waitress',
    'ZODB>=6',
    'ZEO>=6',
    'zodburi>=3',
    'BTrees',
    'persistent',
    'transaction',
    'zope.interface',
    'hypatia',
    'PyYAML',               # service definitions (schemas/services/*.yaml)
    'jsonschema',           # ... validated against service.schema.json
    'deform>=3',
    'colander>=2',
    'argon2-cffi',
    'translationstring',
    'python3-saml',         # ROeID service provider (SAML 2.0)
    'lxml',                 # ... lxml and xmlsec must bundle the same libxml2 (STACK.md)
    'xmlsec',
    'cryptography',         # ... the SP key pair, generated into var/saml on first run
    'holidays',             # Romanian public holidays: legal deadlines in working days
]

tests_require = [
    'WebTest',
    'pytest',
    'selenium',
    'Babel',
    'lingva',               # message extraction: python -m cityportal.locale_tools
    'pysaml2',              # integrations/roeid_idp: the ROeID stand-in (needs apt xmlsec1)
    'aiosmtpd',             # integrations/smtp_sink: the mail stand-in
    'hypothesis',           # fuzzing the forms
]

setup(
    name='cityportal',
    version='0.1.0',
    description='Portalul Unic: the single front door of a city hall',
    long_description=README,
    long_description_content_type='text/markdown',
    classifiers=[
        'Programming Language :: Python :: 3.11',
        'Framework :: Pyramid',
        'Topic :: Internet :: WWW/HTTP :: WSGI :: Application',
    ],
    package_dir={'': 'src'},
    packages=find_packages('src'),
    include_package_data=True,
    zip_safe=False,
    python_requires='>=3.11',
    install_requires=requires,
    extras_require={'test': tests_require},
    entry_points={
        'paste.app_factory': [
            'main = cityportal:main',
        ],
        'console_scripts': [
            'cityportal-seed = cityportal.scripts.seed:main',
            'cityportal-evolve = cityportal.scripts.evolve:main',
            'cityportal-reindex = cityportal.scripts.reindex:main',
            'cityportal-adduser = cityportal.scripts.adduser:main',
            'cityportal-import-services = cityportal.scripts.import_services:main',
        ],
    },
)
