"""Events for the shop's backend, written in the same transaction as the change they report."""
