"""Production settings refuse to start without a secret key or a field encryption key, and pass `heluo check --deploy`; elsewhere each
installation makes a key of its own (there is no key in the repository any more)."""

import base64
import os
import secrets
import stat
import subprocess
import sys
from pathlib import Path

SHOW_KEY = "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'heluo.settings'; django.setup(); from django.conf import settings; print(settings.SECRET_KEY)"


def run(args, tmp_path, **env):
    # the browser tests' DJANGO_ALLOW_ASYNC_UNSAFE is this test process's, not a deployment's
    skip = ("HELUO_", "DATABASE_URL", "PYTEST", "DJANGO_ALLOW_ASYNC_UNSAFE")
    base = {k: v for k, v in os.environ.items() if not k.startswith(skip)}
    return subprocess.run(args, env={**base, "HELUO_VAR_DIR": str(tmp_path), **env}, capture_output=True, text=True, timeout=120)


def heluo():
    return [str(Path(sys.executable).with_name("heluo"))]


def test_production_without_a_secret_key_refuses_to_start(tmp_path):
    r = run([sys.executable, "-c", SHOW_KEY], tmp_path, HELUO_ENV="production")
    assert r.returncode != 0 and "HELUO_SECRET_KEY" in r.stderr
    assert not (tmp_path / "secret_key").exists()


def test_production_without_a_field_key_refuses_to_start(tmp_path):
    r = run([sys.executable, "-c", SHOW_KEY], tmp_path, HELUO_ENV="production", HELUO_SECRET_KEY=secrets.token_urlsafe(50))
    assert r.returncode != 0 and "HELUO_FIELD_KEY" in r.stderr
    assert not (tmp_path / "field_key").exists()


def test_production_settings_pass_the_deployment_check(tmp_path):
    r = run(
        heluo() + ["check", "--deploy", "--fail-level", "WARNING"],
        tmp_path,
        HELUO_ENV="production",
        HELUO_SECRET_KEY=secrets.token_urlsafe(50),
        HELUO_FIELD_KEY=base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        HELUO_ALLOWED_HOSTS="heluo.example.gov.cn",
        HELUO_DEBUG="1",  # ignored in production
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert "no issues" in r.stdout


def test_each_installation_makes_and_keeps_its_own_key(tmp_path):
    first = run([sys.executable, "-c", SHOW_KEY], tmp_path).stdout.strip()
    again = run([sys.executable, "-c", SHOW_KEY], tmp_path).stdout.strip()
    other = run([sys.executable, "-c", SHOW_KEY], tmp_path / "elsewhere").stdout.strip()
    assert len(first) >= 50 and first == again and other != first
    assert "insecure" not in first
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600
    field_key = (tmp_path / "field_key").read_text()
    assert len(base64.urlsafe_b64decode(field_key)) == 32 and stat.S_IMODE((tmp_path / "field_key").stat().st_mode) == 0o600
