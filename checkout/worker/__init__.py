"""Long-running background processes: ``flask worker`` and the single-job commands.

``supervisor`` runs jobs in threads until SIGTERM/SIGINT and stops within a grace period;
``jobs`` says which jobs exist and how often each runs.
"""
