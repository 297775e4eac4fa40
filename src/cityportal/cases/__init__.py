"""Cases: requests filed online, worked by the departments on a digital circuit."""


def includeme(config):
    from .resources import Case
    config.add_content_type(Case)
    config.include('.filing')       # the citizen's side: filing, withdrawal
    config.include('.messages')     # the thread and the answer to a completion request
    config.include('.views')        # the case page, its files, the clerk's actions
    config.include('.inbox')        # the departments' inboxes and "my cases"
    config.include('.dashboard')    # the heads of department's figures
