"""Stand-in mail server: an SMTP sink (aiosmtpd) that keeps every message, for cityportal.

Run it with ``python -m integrations.smtp_sink`` (see __main__.py and README.md). Modules:

* store: the maildir, one ``<id>.eml`` per message (the bytes as received) and its envelope
  in ``<id>.json``;
* server: the SMTP handler and the small web application (``/health``, ``/messages``, the
  Romanian page for developers).

cityportal itself (src/cityportal) never imports this package.
"""
