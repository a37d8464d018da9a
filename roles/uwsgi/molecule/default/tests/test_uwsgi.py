"""The uwsgi role's contract, with no web server: each application is served by
uWSGI, started by systemd socket activation, on /run/flaskstack/<name>.sock, and
speaks the uwsgi protocol there.

Expectations come from this scenario's inventory (flaskstack_apps, uwsgi_processes)
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

# A uwsgi-protocol client, run with the lab host's python3: a uwsgi packet
# (header struct '<BHB': modifier1 0, size of the variables, modifier2 0; then
# each variable as a little-endian uint16 length and bytes, key then value),
# and the raw HTTP response uWSGI writes back until it closes the connection.
UWSGI_CLIENT = r"""
import socket, struct, sys
path, uri, host = sys.argv[1:4]
env = {
    "REQUEST_METHOD": "GET",
    "REQUEST_URI": uri,
    "PATH_INFO": uri.partition("?")[0],
    "QUERY_STRING": uri.partition("?")[2],
    "SERVER_NAME": host,
    "SERVER_PORT": "80",
    "SERVER_PROTOCOL": "HTTP/1.1",
    "HTTP_HOST": host,
    "REMOTE_ADDR": "127.0.0.1",
}
def pair(key, value):
    key, value = key.encode(), value.encode()
    return struct.pack("<H", len(key)) + key + struct.pack("<H", len(value)) + value
body = b"".join(pair(k, v) for k, v in env.items())
sock = socket.socket(socket.AF_UNIX)
sock.settimeout(float(sys.argv[4]))
sock.connect(path)
sock.sendall(struct.pack("<BHB", 0, len(body), 0) + body)
chunks = []
while True:
    chunk = sock.recv(65536)
    if not chunk:
        break
    chunks.append(chunk)
sys.stdout.write(b"".join(chunks).decode("utf-8", "replace"))
"""


@pytest.fixture(scope="module")
def processes(hostvars):
    return int(hostvars["uwsgi_processes"])


def uwsgi_request(host, app, path, user=SOCKET_GROUP, timeout=60):
    """Request a path from the application in the uwsgi protocol through its socket, as the given user."""
    cmd = ["runuser", "-u", user, "--", "python3", "-c", UWSGI_CLIENT,
           app["socket_path"], path, app["server_names"][0], str(timeout)]
    result = host.run(" ".join(shlex.quote(a) for a in cmd))
    assert result.rc == 0, result.stderr
    assert result.stdout.startswith("HTTP/1.1 "), result.stdout[:500]
    return Response(result.stdout)


def main_pid(host, app):
    return int(host.check_output(f"systemctl show -p MainPID --value {app['service_unit']}"))


def worker_pids(host, app):
    return set(service_pids(host, app["service_unit"])[1:])


def wait_for(condition, timeout=60, message="timed out"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            value = condition()
        except AssertionError:
            value = None
        if value:
            return value
        time.sleep(1)
    raise AssertionError(message)


def healthy(host, app):
    response = uwsgi_request(host, app, app["health_path"], timeout=10)
    return response.status == 200 and response.json()["status"] == "ok"


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


def test_the_service_runs_uwsgi_with_its_configuration(host, apps):
    for app in apps:
        ini = host.file(f"{app['config_dir']}/uwsgi.ini")
        assert (ini.user, ini.group, ini.mode) == ("root", app["group"], 0o640)
        exec_start = host.check_output(f"systemctl show -p ExecStart --value {app['service_unit']}")
        assert f"/usr/bin/uwsgi-core --ini {ini.path}" in exec_start
        assert host.check_output(f"systemctl show -p Type --value {app['service_unit']}") == "notify"
        assert host.service(app["service_unit"]).is_running


def test_the_app_answers_in_the_uwsgi_protocol(host, apps, raw_apps):
    for app, raw in zip(apps, raw_apps):
        health = uwsgi_request(host, app, app["health_path"])
        assert health.status == 200, health.body
        assert health.headers["content-type"] == "application/json"
        assert health.json()["status"] == "ok"
        assert health.json()["name"] == raw["env"]["DEMO_NAME"]
        # The service reads app.env and secrets.env.
        index = uwsgi_request(host, app, "/")
        assert index.status == 200
        assert index.headers.get("x-served-by") == "flask"
        greeting = raw.get("env", {}).get("DEMO_GREETING")
        if greeting:
            assert greeting in index.body
        whoami = uwsgi_request(host, app, "/whoami").json()
        assert whoami["secret_key_set"] is bool(raw.get("secret_env", {}).get("SECRET_KEY"))
        assert whoami["host"] == app["server_names"][0]


def test_master_and_workers_run_as_the_app_user(host, apps):
    listeners = host.check_output("ss -Htulnp")
    for app in apps:
        pids = service_pids(host, app["service_unit"])
        assert len(pids) > 1, "no worker processes"
        for pid in pids:
            assert host.check_output(f"ps -o user=,group= -p {pid}").split() == [app["user"], app["group"]]
            # uWSGI uses the socket systemd passes; it opens no port of its own.
            assert f"pid={pid}," not in listeners, listeners
        # Process names start with the application's name (procname-prefix-spaced).
        for pid in pids:
            assert host.check_output(f"ps -o args= -p {pid}").startswith(f"{app['name']} "), pid
        assert uwsgi_request(host, app, "/whoami").json()["user"] == app["user"]


def test_the_number_of_workers_is_uwsgi_processes(host, apps, raw_apps, processes):
    for app, raw in zip(apps, raw_apps):
        expected = raw.get("workers", processes)
        assert len(worker_pids(host, app)) == expected


def n_restarts(host, app):
    return int(host.check_output(f"systemctl show -p NRestarts --value {app['service_unit']}"))


def test_reload_replaces_the_workers_and_the_app_answers_again(host, apps, raw_apps, processes):
    for app, raw in zip(apps, raw_apps):
        expected = raw.get("workers", processes)
        old = worker_pids(host, app)
        assert len(old) == expected
        host.check_output(f"systemctl reload {app['service_unit']}")

        # A reload of the workers: they are replaced and load the code again.
        def replaced():
            now = worker_pids(host, app)
            return now if len(now) == expected and not now & old else None

        new = wait_for(replaced, message=f"the workers of {app['name']} were not replaced after a reload")
        wait_for(lambda: healthy(host, app), message=f"{app['name']} did not answer after a reload")
        assert host.service(app["service_unit"]).is_running
        assert new.isdisjoint(old)


# The reload goes through the master FIFO and replaces the workers: the master stays, and
# a reload that made it fail (systemd would start a new one) is caught here.
def test_reload_keeps_the_master(host, apps):
    for app in apps:
        master = main_pid(host, app)
        restarts = n_restarts(host, app)
        host.check_output(f"systemctl reload {app['service_unit']}")
        wait_for(lambda: healthy(host, app), message=f"{app['name']} did not answer after a reload")
        # Give a failing master time to be noticed before looking.
        time.sleep(3)
        wait_for(lambda: healthy(host, app), message=f"{app['name']} did not answer after a reload")
        assert host.service(app["service_unit"]).is_running
        assert n_restarts(host, app) == restarts, "the reload made the service fail and systemd restart it"
        assert main_pid(host, app) == master, "the reload replaced the master process"


def test_a_request_starts_the_stopped_service(host, apps):
    for app in apps:
        before = main_pid(host, app)
        host.check_output(f"systemctl stop {app['service_unit']}")
        assert not host.service(app["service_unit"]).is_running
        assert main_pid(host, app) == 0
        # The socket stays open and starts the service on the next connection.
        assert host.service(app["socket_unit"]).is_running
        response = uwsgi_request(host, app, app["health_path"])
        assert response.status == 200
        assert response.json()["status"] == "ok"
        assert host.service(app["service_unit"]).is_running
        after = main_pid(host, app)
        assert after not in (0, before)
