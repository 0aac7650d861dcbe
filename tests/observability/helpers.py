"""Reading Prometheus exposition text in tests."""
from __future__ import annotations

import socket

from prometheus_client.parser import text_string_to_metric_families

from checkout import create_app
from tests.conftest import base_config


def samples(text: str) -> dict[tuple[str, tuple], float]:
    """{(sample name, sorted label items): value} for every sample in the exposition."""
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def value(text: str, name: str, **labels) -> float:
    """One sample's value (0 when absent, as Prometheus treats a series not yet seen)."""
    return samples(text).get((name, tuple(sorted(labels.items()))), 0.0)


def scrape(client, token: str = "metrics-test-token") -> str:
    response = client.get("/metrics", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def unreachable_database_app(tmp_path, **overrides):
    """The app pointed at a PostgreSQL port where nothing listens (connection refused)."""
    uri = f"postgresql+psycopg://checkout@127.0.0.1:{free_port()}/checkout"
    return create_app(base_config(uri, tmp_path / "instance", **overrides))
