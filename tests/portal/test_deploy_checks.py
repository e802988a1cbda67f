"""The production configuration: `manage.py check --deploy` with the README's variables is clean,
a missing, development or weak SECRET_KEY fails it and keeps gunicorn and Celery from starting,
and a boolean variable with a typo refuses to load the settings.

Settings are read once, at start-up, from the environment: each command runs as a subprocess
with an environment of its own, and portal/settings.py is run afresh (runpy) to read a variable.
"""

from __future__ import annotations

import os
import runpy
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from portal import checks
from portal.settings import env_bool
from tests.processes import free_port

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
DEVELOPMENT_KEY = "dev-only-insecure-key-change-me"
# `export SECRET_KEY=$(openssl rand -hex 32)`, as the README says.
PRODUCTION_KEY = "3f9c2e7a1b8d4f60a5c3e9b7d2f1a8c4e6b0d9f3a7c5e1b8d4f2a6c0e9b3d7f1"
# README "Running it for real", with the test run's database and broker.
PRODUCTION = {
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/test",
    "REDIS_URL": "redis://127.0.0.1:6379/15",
    "SECRET_KEY": PRODUCTION_KEY,
    "ALLOWED_HOSTS": "procure.example.com",
    "BEHIND_PROXY": "true",
    "SECURE_SSL_REDIRECT": "true",
    "SECURE_HSTS_SECONDS": "31536000",
}
# Whatever the test run's environment says about these, each command says it itself (tests set
# DJANGO_ALLOW_ASYNC_UNSAFE for Playwright; a deployment must not: async.E001).
OWN_VARIABLES = {
    *PRODUCTION,
    "DEBUG",
    "SECURE_COOKIES",
    "CSRF_TRUSTED_ORIGINS",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
}
BOOLEANS = ["DEBUG", "BEHIND_PROXY", "SECURE_SSL_REDIRECT", "SECURE_COOKIES"]


def environment(**variables: str | None) -> dict[str, str]:
    """The test run's environment without the settings variables, then `variables` (None:
    unset)."""
    env = {name: value for name, value in os.environ.items() if name not in OWN_VARIABLES}
    env.update({name: value for name, value in variables.items() if value is not None})
    env["PYTHONUNBUFFERED"] = "1"
    return env


def run(command: list[str], env: dict[str, str], timeout: float = 60) -> tuple[int, str]:
    result = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
    return result.returncode, result.stdout + result.stderr


def manage(*arguments: str, **variables: str | None) -> tuple[int, str]:
    return run([str(BIN / "python"), "manage.py", *arguments], environment(**variables))


def deploy_check(**variables: str | None) -> tuple[int, str]:
    return manage("check", "--deploy", "--fail-level", "WARNING", **variables)


# --- check --deploy ---------------------------------------------------------------------------


def test_deploy_check_is_clean_with_the_readme_production_variables():
    status, output = deploy_check(**PRODUCTION)

    assert status == 0, output
    # Only oauth2_provider.W001 and W002 are silenced (the README explains both).
    assert "System check identified no issues (2 silenced)." in output


def test_deploy_check_fails_without_secret_key():
    status, output = deploy_check(**{**PRODUCTION, "SECRET_KEY": None})

    assert status != 0
    assert "portal.E001" in output and "SECRET_KEY is missing" in output


@pytest.mark.parametrize("blank", ["", "  "], ids=["empty", "spaces"])
def test_deploy_check_fails_with_a_blank_secret_key(blank):
    status, output = deploy_check(**{**PRODUCTION, "SECRET_KEY": blank})

    assert status != 0
    assert "portal.E001" in output and "SECRET_KEY is missing" in output


def test_deploy_check_fails_with_the_development_key():
    status, output = deploy_check(**{**PRODUCTION, "SECRET_KEY": DEVELOPMENT_KEY})

    assert status != 0
    assert "portal.E001" in output and "development key" in output


@pytest.mark.parametrize(
    "weak_key",
    ["too-short-a-secret", "ab" * 40, f"django-insecure-{PRODUCTION_KEY}"],
    ids=["short", "few-characters", "startproject"],
)
def test_deploy_check_fails_with_a_weak_key(weak_key):
    status, output = deploy_check(**{**PRODUCTION, "SECRET_KEY": weak_key})

    assert status != 0
    assert "portal.E002" in output and "SECRET_KEY is weak" in output


def test_the_deploy_check_names_what_is_missing_without_the_https_variables():
    bare = {**PRODUCTION, "SECURE_SSL_REDIRECT": None, "SECURE_HSTS_SECONDS": None}

    status, output = deploy_check(**bare)

    assert status != 0
    assert "security.W004" in output and "security.W008" in output


# --- The development key outside development refuses to start --------------------------------


def test_every_check_run_refuses_the_development_key_with_debug_off():
    # `manage.py check` without --deploy: what runserver and migrate run before they start.
    status, output = manage("check", **{**PRODUCTION, "SECRET_KEY": None})

    assert status != 0
    assert "portal.E001" in output


def test_the_development_key_works_with_debug_on():
    # `make run`: DEBUG=true, no SECRET_KEY.
    status, output = manage("check", DEBUG="true")

    assert status == 0, output
    assert "no issues" in output


def test_gunicorn_refuses_to_start_with_the_development_key():
    command = [str(BIN / "gunicorn"), "portal.wsgi", "-c", "gunicorn.conf.py",
               "--bind", f"127.0.0.1:{free_port()}", "--workers", "1"]  # fmt: skip
    env = environment(**{**PRODUCTION, "SECRET_KEY": DEVELOPMENT_KEY, "REDIS_URL": None})

    status, output = run(command, env)

    assert status != 0  # the worker fails to boot, the master shuts down
    assert "portal.E001" in output
    assert "Worker failed to boot" in output


def test_gunicorn_refuses_to_start_with_a_weak_key():
    command = [str(BIN / "gunicorn"), "portal.wsgi", "-c", "gunicorn.conf.py",
               "--bind", f"127.0.0.1:{free_port()}", "--workers", "1", "--preload"]  # fmt: skip
    env = environment(**{**PRODUCTION, "SECRET_KEY": "too-short-a-secret", "REDIS_URL": None})

    status, output = run(command, env)

    assert status != 0
    assert "portal.E002" in output


def test_celery_worker_refuses_to_start_without_secret_key():
    # No broker: the worker must exit before it would connect to one.
    env = environment(**{**PRODUCTION, "SECRET_KEY": None, "REDIS_URL": None})

    status, output = run([str(BIN / "celery"), "-A", "portal", "worker", "--pool", "solo"], env)

    assert status != 0
    assert "Refusing to start" in output and "portal.E001" in output


def test_celery_beat_refuses_to_start_with_the_development_key(tmp_path):
    env = environment(**{**PRODUCTION, "SECRET_KEY": DEVELOPMENT_KEY, "REDIS_URL": None})
    # A schedule file of its own: the check runs once the scheduler is set up.
    command = [str(BIN / "celery"), "-A", "portal", "beat", "--scheduler",
               "celery.beat:PersistentScheduler", "-s", str(tmp_path / "schedule")]  # fmt: skip

    status, output = run(command, env)

    assert status != 0
    assert "portal.E001" in output


def test_the_startup_checks_pass_with_a_production_key(settings):
    settings.DEBUG = False
    settings.SECRET_KEY = PRODUCTION_KEY

    checks.refuse_to_start()  # raises nothing


def test_the_startup_checks_refuse_the_development_key(settings):
    settings.DEBUG = False
    settings.SECRET_KEY = DEVELOPMENT_KEY

    with pytest.raises(ImproperlyConfigured, match=r"portal\.E001"):
        checks.refuse_to_start()


def test_the_startup_checks_allow_anything_with_debug_on(settings):
    settings.DEBUG = True
    settings.SECRET_KEY = DEVELOPMENT_KEY

    assert checks.startup_problems() == []


# --- env_bool ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        *[
            (word, True)
            for word in ["1", "true", "True", "TRUE", "yes", "Yes", "on", "ON", " true "]
        ],
        *[(word, False) for word in ["0", "false", "False", "no", "NO", "off", "Off", " 0 "]],
    ],
)
def test_env_bool_reads_the_words_for_true_and_false(monkeypatch, value, expected):
    monkeypatch.setenv("PROCURE_TEST_FLAG", value)

    assert env_bool("PROCURE_TEST_FLAG", default=not expected) is expected


@pytest.mark.parametrize("value", [None, "", "   "])
def test_env_bool_unset_or_blank_is_the_default(monkeypatch, value):
    if value is None:
        monkeypatch.delenv("PROCURE_TEST_FLAG", raising=False)
    else:
        monkeypatch.setenv("PROCURE_TEST_FLAG", value)

    assert env_bool("PROCURE_TEST_FLAG", default=True) is True
    assert env_bool("PROCURE_TEST_FLAG", default=False) is False


@pytest.mark.parametrize("value", ["ture", "flase", "2", "y", "enabled", "true!"])
def test_env_bool_refuses_anything_else_naming_the_variable(monkeypatch, value):
    monkeypatch.setenv("PROCURE_TEST_FLAG", value)

    with pytest.raises(
        ImproperlyConfigured, match=rf"PROCURE_TEST_FLAG='{value}' is not a boolean"
    ):
        env_bool("PROCURE_TEST_FLAG")


def settings_from(monkeypatch, **variables: str | None) -> dict:
    """portal/settings.py run afresh with these variables (None: unset): its names."""
    for name, value in environment(**variables).items():
        monkeypatch.setenv(name, value)
    for name in OWN_VARIABLES - {k for k, v in variables.items() if v is not None}:
        monkeypatch.delenv(name, raising=False)
    return runpy.run_path(str(ROOT / "portal" / "settings.py"))


@pytest.mark.parametrize("name", BOOLEANS)
def test_a_boolean_setting_with_a_typo_refuses_to_load(monkeypatch, name):
    with pytest.raises(ImproperlyConfigured, match=rf"^{name}='ture' is not a boolean"):
        settings_from(monkeypatch, **{**PRODUCTION, name: "ture"})


def test_manage_py_with_a_typo_in_a_boolean_says_which_variable():
    status, output = manage("check", **{**PRODUCTION, "SECURE_SSL_REDIRECT": "ture"})

    assert status != 0
    assert "SECURE_SSL_REDIRECT='ture' is not a boolean" in output


@pytest.mark.parametrize("word", ["true", "false"])
def test_every_boolean_setting_reads_its_variable(monkeypatch, word):
    on = word == "true"

    names = settings_from(monkeypatch, **{**PRODUCTION, **dict.fromkeys(BOOLEANS, word)})

    assert names["DEBUG"] is on
    assert ("SECURE_PROXY_SSL_HEADER" in names) is on  # BEHIND_PROXY
    assert names["SECURE_SSL_REDIRECT"] is on
    assert names["SESSION_COOKIE_SECURE"] is names["CSRF_COOKIE_SECURE"] is on  # SECURE_COOKIES


def test_the_boolean_defaults(monkeypatch):
    names = settings_from(
        monkeypatch, **{**PRODUCTION, "BEHIND_PROXY": None, "SECURE_SSL_REDIRECT": None}
    )

    assert names["DEBUG"] is False
    assert "SECURE_PROXY_SSL_HEADER" not in names
    assert names["SECURE_SSL_REDIRECT"] is False
    assert names["SESSION_COOKIE_SECURE"] is True  # on without DEBUG
