"""The app for race tests under gunicorn: config handed over as JSON in the environment.

``gunicorn 'tests.races.gunicorn_app:build()'`` with ``CHECKOUT_TEST_CONFIG`` set to the
test's own config, so every worker process talks to the test's database.
"""
import json
import os

from checkout import create_app


def build():
    return create_app(json.loads(os.environ["CHECKOUT_TEST_CONFIG"]))
