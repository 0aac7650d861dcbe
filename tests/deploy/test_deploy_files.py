"""The deployment files, checked without a Docker engine or a systemd boot: the Dockerfile is
linted with hadolint, the compose file validated against the Compose Specification's JSON
schema (as shipped by check-jsonschema), the units verified with `systemd-analyze verify`,
and the Procfile parsed as honcho parses it."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
BIN = Path(sys.executable).parent


def tool(name: str) -> str:
    found = shutil.which(name, path=str(BIN)) or shutil.which(name)
    assert found, f"{name} is missing: install requirements-dev.txt"
    return found


def run(*args, cwd=ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(list(args), cwd=cwd, capture_output=True, text=True, timeout=120)


# ---- Dockerfile -------------------------------------------------------------------------

def test_hadolint_passes():
    result = run(tool("hadolint"), "deploy/Dockerfile")
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_would_catch_a_bad_dockerfile(tmp_path):
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:latest\nRUN pip install flask\nCMD python app.py\n")
    result = run(tool("hadolint"), str(bad))
    assert result.returncode != 0 and "DL3007" in result.stdout


def test_dockerfile_is_non_root_pinned_and_self_contained():
    text = (DEPLOY / "Dockerfile").read_text()
    for image in re.findall(r"^FROM\s+(\S+)", text, flags=re.M):
        # A full version tag (or a digest), never latest or a moving major tag.
        assert re.search(r"(:\d+\.\d+\.\d+[-\w.]*|@sha256:[0-9a-f]{64})$", image), image
    users = re.findall(r"^USER\s+(\S+)", text, flags=re.M)
    assert users and users[-1].split(":")[0] not in ("root", "0")
    assert "htmx.min.js ./static/vendor/htmx.min.js" in text  # htmx built in
    assert "pybabel compile -d translations" in text  # translations compiled in
    assert re.search(r"HEALTHCHECK .*\n?.*/healthz", text)
    for source in re.findall(r"^COPY\s+(?!--from)(.+?)\s+\S+$", text, flags=re.M):
        for path in source.split():
            assert (ROOT / path).exists(), f"COPY {path}: not in the repository"


# ---- compose ----------------------------------------------------------------------------

def test_compose_file_matches_the_compose_specification():
    result = run(tool("check-jsonschema"), "--builtin-schema", "vendor.compose-spec", "deploy/compose.yaml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_schema_check_would_catch_a_mistake(tmp_path):
    bad = tmp_path / "compose.yaml"
    bad.write_text("services:\n  web:\n    image: checkout\n    ports: 8000\n    restart: sometimes\n    bogus: 1\n")
    result = run(tool("check-jsonschema"), "--builtin-schema", "vendor.compose-spec", str(bad))
    assert result.returncode != 0


def test_compose_runs_web_worker_postgres_and_redis():
    spec = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = spec["services"]
    assert {"web", "worker", "db", "redis"} <= set(services)
    assert services["worker"]["command"][:2] == ["flask", "worker"]
    assert services["web"]["build"]["dockerfile"] == "deploy/Dockerfile"
    for name in ("db", "redis"):
        assert re.search(r":\d+\.\d+(\.\d+)?[-\w.]*$", services[name]["image"]), services[name]["image"]
    # Secrets come from the environment file, never from the compose file itself.
    assert "SECRET_KEY" not in (DEPLOY / "compose.yaml").read_text()


# ---- systemd ----------------------------------------------------------------------------

UNITS = sorted((DEPLOY / "systemd").glob("*.service"))


@pytest.mark.skipif(shutil.which("systemd-analyze") is None,
                    reason="systemd-analyze is not installed here (Debian package 'systemd'); units not verified")
def test_systemd_units_verify(tmp_path):
    assert [unit.name for unit in UNITS] == ["checkout-web.service", "checkout-worker.service"]
    # The units name /srv/checkout; verify them against this checkout's real executables.
    for unit in UNITS:
        text = unit.read_text().replace("/srv/checkout/.venv/bin", str(BIN)).replace("/srv/checkout", str(ROOT))
        (tmp_path / unit.name).write_text(text)
    result = run("systemd-analyze", "verify", *[str(tmp_path / unit.name) for unit in UNITS], cwd=tmp_path)
    # verify exits 0 on unknown keys and bad values too; it only warns. Any output is a finding.
    assert result.returncode == 0 and (result.stdout + result.stderr).strip() == "", result.stdout + result.stderr


def test_units_stop_within_ten_seconds_and_run_as_their_own_user():
    for unit in UNITS:
        text = unit.read_text()
        assert "TimeoutStopSec=10" in text and "User=checkout" in text and "EnvironmentFile=" in text
    assert "flask --app wsgi worker" in (DEPLOY / "systemd" / "checkout-worker.service").read_text()


# ---- Procfile ---------------------------------------------------------------------------

def test_procfile_has_web_and_worker():
    from honcho.environ import parse_procfile

    procfile = parse_procfile((ROOT / "Procfile").read_text())
    assert set(procfile.processes) == {"web", "worker"}
    # `exec`, so SIGTERM from the runner reaches gunicorn and the worker, not a shell.
    assert procfile.processes["web"].startswith("exec gunicorn ") and "wsgi:app" in procfile.processes["web"]
    assert re.match(r"exec flask .*worker", procfile.processes["worker"])
    result = run(tool("honcho"), "check")
    assert result.returncode == 0, result.stdout + result.stderr
