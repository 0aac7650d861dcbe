"""Services behind the admin pages. Each one owns its transaction: it validates, writes,
records the audit trail and commits, so a route only parses input and renders."""
