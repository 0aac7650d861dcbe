"""The payment domain: states, the one function that moves them, and the services."""
