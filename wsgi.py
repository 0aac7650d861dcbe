"""WSGI entry point: ``gunicorn wsgi:app``.

Runs as production unless APP_ENV says otherwise, so a forgotten variable refuses to
start without real secrets instead of serving development defaults. The development
server (``make run``) sets APP_ENV=development itself.
"""
from checkout import create_app

app = create_app()
