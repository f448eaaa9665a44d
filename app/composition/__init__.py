"""The composition root: the only package that knows every concrete adapter.

``infrastructure`` builds the shared machinery (database, clock, cipher, event handlers,
scheduler, outbox relay, notification sender), ``clients`` the external clients whose
lifetime the root owns, one module per context builds that context's services and
returns them with their ``Wiring`` (event subscriptions, periodic jobs, HTTP controllers
and dependencies), and ``root`` assembles the ``Core`` and the entry points. Nothing
here runs at import time.
"""
