"""`flask webhooks ...`."""
from flask.cli import AppGroup

cli = AppGroup("webhooks", help="webhooks commands")
