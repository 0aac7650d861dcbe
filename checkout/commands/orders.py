"""`flask orders ...`."""
from flask.cli import AppGroup

cli = AppGroup("orders", help="orders commands")
