"""A throwaway PostgreSQL database for one benchmark run, so the server's own stay untouched.

    python -m bench.pg_database create <server url>   -> prints the new database's URL
    python -m bench.pg_database drop <database url>
"""
from __future__ import annotations

import secrets
import sys

import psycopg


def _server(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def create(server_url: str) -> str:
    base = _server(server_url)
    name = f"checkout_bench_{secrets.token_hex(4)}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return base.rsplit("/", 1)[0] + "/" + name


def drop(database_url: str) -> None:
    base, name = _server(database_url).rsplit("/", 1)
    if not name.startswith("checkout_bench_"):
        raise SystemExit(f"refusing to drop {name!r}: not a benchmark database")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    action, url = sys.argv[1], sys.argv[2]
    if action == "create":
        print(create(url))
    else:
        drop(url)
