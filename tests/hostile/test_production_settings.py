"""Production settings: `check --deploy` is clean, secrets come only from the environment, the admin is
for staff only, and a database outage is a clean 503 in the API's error shape."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.db import InterfaceError, OperationalError
from django.test import RequestFactory

from greenslot.middleware import DatabaseUnavailableMiddleware

BASE_DIR = Path(__file__).resolve().parents[2]


def production_env(**overrides: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SECURE_", "SESSION_", "CSRF_", "DJANGO_"))
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "greenslot.settings",
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "book.example.com",
            "CSRF_TRUSTED_ORIGINS": "https://book.example.com",
        }
    )
    env.update(overrides)
    return env


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(BASE_DIR / "manage.py"), *args],
        env=env,
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_is_clean_with_production_settings():
    done = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env=production_env(CACHE_URL="redis://127.0.0.1:6379/1"),
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "System check identified no issues" in done.stdout, done.stdout + done.stderr


def test_check_deploy_warns_when_https_is_switched_off():
    # The check is not vacuous: turning a protection off is reported.
    done = manage(
        "check", "--deploy", "--fail-level", "WARNING", env=production_env(SECURE_SSL_REDIRECT="false")
    )
    assert done.returncode != 0
    assert "security.W008" in done.stdout + done.stderr


def test_the_secret_key_comes_only_from_the_environment():
    env = production_env()
    del env["SECRET_KEY"]
    done = manage("check", env=env)
    assert done.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in done.stderr


def test_a_tls_proxy_header_is_configurable():
    done = subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; print(settings.SECURE_PROXY_SSL_HEADER)"],
        env={
            **production_env(SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO,https"),
            "PYTHONPATH": str(BASE_DIR),
        },
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.stdout.strip() == "('HTTP_X_FORWARDED_PROTO', 'https')", done.stderr


@pytest.mark.django_db
def test_the_admin_asks_anonymous_visitors_to_log_in(client):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


@pytest.mark.django_db
def test_the_admin_refuses_a_logged_in_user_who_is_not_staff(client):
    user = get_user_model().objects.create_user("shopper", password="not-staff-1234")
    client.force_login(user)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    assert client.get("/admin/booking/booking/").status_code == 302


@pytest.mark.django_db
def test_the_admin_lets_staff_in(client):
    user = get_user_model().objects.create_user(
        "operator", password="staff-1234", is_staff=True, is_superuser=True
    )
    client.force_login(user)
    assert client.get("/admin/").status_code == 200


@pytest.mark.parametrize(
    "error", [OperationalError("server closed the connection"), InterfaceError("closed")]
)
def test_a_lost_database_is_a_503_in_the_error_shape(error):
    middleware = DatabaseUnavailableMiddleware(lambda request: None)
    response = middleware.process_exception(RequestFactory().post("/api/v1/holds"), error)
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    body = json.loads(response.content)
    assert set(body) == {"code", "message", "details"}
    assert body["code"] == "database_unavailable"


def test_other_errors_are_left_to_the_api_boundary():
    middleware = DatabaseUnavailableMiddleware(lambda request: None)
    assert middleware.process_exception(RequestFactory().get("/api/v1/offers"), ValueError("bug")) is None


def test_production_without_a_shared_cache_warns_that_rate_limits_multiply_per_worker():
    done = manage("check", env=production_env())
    assert "booking.W001" in done.stderr + done.stdout, done.stdout + done.stderr
    assert "multiplied by the number of workers" in done.stderr + done.stdout


def test_production_with_redis_as_the_cache_does_not_warn():
    done = manage(
        "check", "--fail-level", "WARNING", env=production_env(CACHE_URL="redis://127.0.0.1:6379/1")
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "booking.W001" not in done.stderr + done.stdout
