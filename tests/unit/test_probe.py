"""Unit tests for the probe that checks a new release before any traffic
(roles/app/files/flaskstack_probe.py), run as the deploy runs it, against small WSGI applications."""

import json
import pathlib
import subprocess
import sys

import pytest

PROBE = pathlib.Path(__file__).resolve().parents[2] / "roles" / "app" / "files" / "flaskstack_probe.py"

APP = '''
import os
RELEASE = "abc123def456"
def application(environ, start_response):
    seen = {k: environ.get(k) for k in ("PATH_INFO", "HTTP_HOST", "wsgi.url_scheme", "HTTP_X_FORWARDED_PREFIX", "flaskstack.probe")}
    status = os.environ.get("PROBE_STATUS", "200 OK")
    start_response(status, [("Content-Type", "application/json"), ("X-Flaskstack-Release", os.environ.get("PROBE_RELEASE", RELEASE))])
    return [repr(seen).encode()]
'''


def probe(tmp_path, source=APP, env=None, release="abc123def456"):
    (tmp_path / "fakewsgi.py").write_text(source)
    done = subprocess.run(
        [sys.executable, str(PROBE), "--module", "fakewsgi", "--path", "/health", "--host", "shop.test", "--scheme", "https",
         "--prefix", "/shop", "--release", release],
        capture_output=True, text=True, env={"PYTHONPATH": str(tmp_path), **(env or {})}, check=False, timeout=30,
    )  # fmt: skip
    return done


def test_a_healthy_release_passes_and_is_asked_as_the_web_server_would(tmp_path):
    done = probe(tmp_path)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["status"] == 200 and report["release"] == "abc123def456"
    assert "'PATH_INFO': '/health'" in report["body"] and "'HTTP_HOST': 'shop.test'" in report["body"]
    assert "'wsgi.url_scheme': 'https'" in report["body"] and "'HTTP_X_FORWARDED_PREFIX': '/shop'" in report["body"]


@pytest.mark.parametrize(
    ("env", "expected"),
    [({"PROBE_STATUS": "503 Service Unavailable"}, "answered 503"), ({"PROBE_RELEASE": "0000"}, "answered 200 (release 0000)")],
)
def test_an_unhealthy_answer_or_another_release_fails_with_what_it_said(tmp_path, env, expected):
    done = probe(tmp_path, env=env)
    assert done.returncode == 11
    assert expected in done.stderr


def test_an_entry_point_that_cannot_be_imported(tmp_path):
    done = probe(tmp_path, source="import flaskstack_no_such_module\n")
    assert done.returncode == 10
    assert "ModuleNotFoundError" in done.stderr and "flaskstack_no_such_module" in done.stderr


def test_an_exception_in_the_health_view_is_unhealthy(tmp_path):
    done = probe(tmp_path, source="def application(environ, start_response):\n    raise RuntimeError('database down')\n")
    assert done.returncode == 11 and "database down" in done.stderr
