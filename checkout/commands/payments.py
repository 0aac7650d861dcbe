"""`flask payments ...`."""
from flask.cli import AppGroup

cli = AppGroup("payments", help="payments commands")
