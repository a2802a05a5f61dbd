"""The production profile: start-up without secrets fails naming each; with them, the deploy
checks pass. Runs ``manage.py`` in a clean environment, as an operator would."""

from __future__ import annotations

import base64
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
REQUIRED = (
    "SECRET_KEY",
    "FIELD_ENCRYPTION_KEYS",
    "BLIND_INDEX_KEY",
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "ALLOWED_HOSTS",
)


def _key() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


def _production_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    env = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", str(tmp_path)),
        "SECRET_KEY": secrets.token_urlsafe(60),
        "FIELD_ENCRYPTION_KEYS": f"k1:{_key()}",
        "BLIND_INDEX_KEY": _key(),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
        "ALLOWED_HOSTS": "healthcheck.bank.internal",
    }
    env.update(overrides)
    return {name: value for name, value in env.items() if value is not None}


def _manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_start_up_without_any_secret_fails_naming_every_missing_variable(tmp_path):
    env = _production_env(tmp_path, **dict.fromkeys(REQUIRED))

    result = _manage(env, "check")

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    named = result.stderr.split("Missing required configuration")[1].splitlines()[0]
    for name in REQUIRED:
        assert name in named


@pytest.mark.parametrize("missing", REQUIRED)
def test_start_up_names_the_one_missing_variable(tmp_path, missing):
    result = _manage(_production_env(tmp_path, **{missing: None}), "check")

    assert result.returncode != 0
    named = result.stderr.split("Missing required configuration")[1].splitlines()[0]
    assert named.rsplit(":", 1)[1].strip() == missing


def test_a_secret_may_come_from_a_file(tmp_path):
    secret_file = tmp_path / "secret_key"
    secret_file.write_text(secrets.token_urlsafe(60))
    env = _production_env(tmp_path, SECRET_KEY=None, SECRET_KEY_FILE=str(secret_file))

    result = _manage(env, "check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode == 0, result.stderr


def test_check_deploy_reports_no_issues_with_production_settings(tmp_path):
    result = _manage(_production_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_the_deploy_check_script_passes():
    env = {**os.environ, "PY": sys.executable}

    result = subprocess.run(
        ["bash", "scripts/check_deploy.sh"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
