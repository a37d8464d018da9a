"""The gunicorn role's contract, with no web server: each application is served by
Gunicorn, started by systemd socket activation, on /run/flaskstack/<name>.sock.

Expectations come from this scenario's inventory (flaskstack_apps, gunicorn_workers)
and from the collection's layout filter.
"""

import pathlib
import shlex
import sys
import time

import pytest

REPO = pathlib.Path(__file__).resolve().parents[5]
sys.path.insert(0, str(REPO / "tests" / "integration"))
from stacklib import apps, assert_socket_for_web_server_only, hostvars, pairing, layout, raw_apps, Response, service_pids  # noqa: E402,F401

SOCKET_GROUP = "www-data"


@pytest.fixture(scope="module")
def workers(hostvars):
    return int(hostvars["gunicorn_workers"])


def via_socket(host, app, path, user=SOCKET_GROUP, timeout=60):
    """Request a path from the application through its socket, as the given user."""
    cmd = ["runuser", "-u", user, "--", "curl", "-sS", "-i", "--max-time", str(timeout),
           "--unix-socket", app["socket_path"], f"http://localhost{path}"]
    result = host.run(" ".join(shlex.quote(a) for a in cmd))
    assert result.rc == 0, result.stderr
    return Response(result.stdout)


def main_pid(host, app):
    return int(host.check_output(f"systemctl show -p MainPID --value {app['service_unit']}"))


def worker_pids(host, app):
    return set(service_pids(host, app["service_unit"])[1:])


def wait_for(condition, timeout=60, message="timed out"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(message)


def test_the_socket_unit_listens_on_the_app_socket(host, apps):
    for app in apps:
        socket_unit = host.service(app["socket_unit"])
        assert socket_unit.is_running
        assert socket_unit.is_enabled
        assert host.service(app["service_unit"]).is_enabled
        listen = host.check_output(f"systemctl show -p Listen --value {app['socket_unit']}")
        assert listen == f"{app['socket_path']} (Stream)"
        # Only the web server's group may connect; any other local user may not.
        assert_socket_for_web_server_only(host, app, SOCKET_GROUP)


def test_the_app_answers_through_its_socket(host, apps, raw_apps):
    for app, raw in zip(apps, raw_apps):
        health = via_socket(host, app, app["health_path"])
        assert health.status == 200, health.body
        assert health.headers["content-type"] == "application/json"
        assert health.json()["status"] == "ok"
        # The service reads app.env and secrets.env.
        index = via_socket(host, app, "/")
        assert index.status == 200
        greeting = raw.get("env", {}).get("DEMO_GREETING")
        if greeting:
            assert greeting in index.body
        whoami = via_socket(host, app, "/whoami").json()
        assert whoami["secret_key_set"] is bool(raw.get("secret_env", {}).get("SECRET_KEY"))


def test_master_and_workers_run_as_the_app_user(host, apps):
    listeners = host.check_output("ss -Htulnp")
    for app in apps:
        pids = service_pids(host, app["service_unit"])
        assert len(pids) > 1, "no worker processes"
        for pid in pids:
            assert host.check_output(f"ps -o user=,group= -p {pid}").split() == [app["user"], app["group"]]
            # Gunicorn uses the socket systemd passes; it opens no port of its own.
            assert f"pid={pid}," not in listeners, listeners
        assert via_socket(host, app, "/whoami").json()["user"] == app["user"]


def test_the_number_of_workers_is_gunicorn_workers(host, apps, raw_apps, workers):
    for app, raw in zip(apps, raw_apps):
        expected = raw.get("workers", workers)
        assert len(worker_pids(host, app)) == expected


def test_reload_keeps_the_master_and_replaces_the_workers(host, apps, raw_apps, workers):
    for app, raw in zip(apps, raw_apps):
        expected = raw.get("workers", workers)
        master = main_pid(host, app)
        old = worker_pids(host, app)
        assert len(old) == expected
        host.check_output(f"systemctl reload {app['service_unit']}")

        def replaced():
            now = worker_pids(host, app)
            return now if len(now) == expected and not now & old else None

        new = wait_for(replaced, message=f"the workers of {app['name']} were not replaced after a reload")
        assert main_pid(host, app) == master, "the reload replaced the master process"
        assert host.service(app["service_unit"]).is_running
        assert new.isdisjoint(old)
        response = via_socket(host, app, app["health_path"])
        assert response.status == 200
        assert response.json()["status"] == "ok"


def test_a_request_starts_the_stopped_service(host, apps):
    for app in apps:
        before = main_pid(host, app)
        host.check_output(f"systemctl stop {app['service_unit']}")
        assert not host.service(app["service_unit"]).is_running
        assert main_pid(host, app) == 0
        # The socket stays open and starts the service on the next connection.
        assert host.service(app["socket_unit"]).is_running
        response = via_socket(host, app, app["health_path"])
        assert response.status == 200
        assert response.json()["status"] == "ok"
        assert host.service(app["service_unit"]).is_running
        after = main_pid(host, app)
        assert after not in (0, before)
