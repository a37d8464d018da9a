"""The behaviour every pairing must show, checked on the converged lab host.

Run by every collection scenario (molecule/stack_<web_server>); what is
specific to one pairing lives in that scenario's own tests/ directory.
"""

import hashlib
import re

from stacklib import (
    ansible_playbook, app_endpoint, app_is_enabled_at_boot, app_pids, assert_port_for_web_server_only, assert_socket_for_web_server_only,
    fetch, fetch_app, listeners_of, restart_container, service_pids,
)  # fmt: skip


def test_each_app_answers_through_the_web_server_on_its_own_name(host, apps, raw_apps):
    for app, raw in zip(apps, raw_apps):
        for server_name in app["server_names"]:
            response = fetch_app(host, app, app["url_prefix"], server_name)
            assert response.status == 200, (server_name, response.body)
            assert response.headers.get("x-served-by") == "flask"
            greeting = raw.get("env", {}).get("DEMO_GREETING")
            if greeting:
                assert greeting in response.body, f"{server_name} did not answer with {app['name']}'s setting"


def test_health_endpoint_reports_the_version(host, apps):
    for app in apps:
        response = fetch_app(host, app, app["url_prefix"].rstrip("/") + app["health_path"])
        assert response.status == 200
        data = response.json()
        assert data["status"] == "ok"
        assert re.match(r"^\d+\.\d+\.\d+$", data["version"])


def test_static_files_come_from_the_web_server(host, apps):
    for app in apps:
        if not app["static_dir"]:
            continue
        name = host.check_output(f"cd {app['static_dir']} && find . -type f | sort | head -n1")[2:]
        assert name, f"no static file in {app['static_dir']}"
        response = fetch_app(host, app, app["static_url"] + name)
        assert response.status == 200
        assert response.body == host.file(f"{app['static_dir']}/{name}").content_string
        assert "x-served-by" not in response.headers, "the static file was served by the application"


def test_the_web_server_hides_its_version(host, apps):
    app = apps[0]
    response = fetch_app(host, app, app["static_url"] + "no-such-file.txt")
    assert response.status == 404
    assert response.headers.get("server") in ("nginx", "Apache")
    assert not re.search(r"(?i)(nginx|apache)/\d|\(debian\)|server at ", response.body), response.body


def test_the_app_sees_the_real_client_scheme_and_host(host, apps):
    for app in apps:
        server_name = app["server_names"][0]
        scheme, port = app_endpoint(app)
        response = fetch_app(
            host,
            app,
            app["url_prefix"] + "whoami",
            # A client that lies: only the address and the scheme the web server saw may count.
            headers={
                "X-Forwarded-For": "203.0.113.9",
                "X-Forwarded-Proto": "http" if scheme == "https" else "https",
                "X-Forwarded-Host": "evil.test",
                "X-Forwarded-Prefix": "/evil",
            },
        )
        assert response.status == 200
        seen = response.json()
        assert seen["remote_addr"] == "127.0.0.1"
        assert seen["scheme"] == scheme
        expected_host = server_name if port == {"http": 80, "https": 443}[scheme] else f"{server_name}:{port}"
        assert seen["host"] == expected_host
        assert seen["script_root"] == app["forwarded_prefix"]


def test_each_app_runs_as_its_own_user(host, apps):
    for app in apps:
        user = host.user(app["user"])
        assert user.exists
        assert user.shell == "/usr/sbin/nologin"
        if app["app_units"]:
            # The app server's own unit: every one of its processes is the app's user.
            for pid in service_pids(host, app["service_unit"]):
                assert host.check_output(f"ps -o user= -p {pid}") == app["user"]
        whoami = fetch_app(host, app, app["url_prefix"] + "whoami").json()
        assert whoami["user"] == app["user"]
    assert len({app["user"] for app in apps}) == len(apps)


def test_the_socket_is_usable_by_the_web_server_only(host, apps, web_group):
    checked = 0
    for app in apps:
        # Another local user cannot talk to the application directly.
        if app["socket_path"]:
            assert_socket_for_web_server_only(host, app, web_group)
            checked += 1
        elif app["backend_port"]:
            # mod_wsgi behind Nginx: its own Apache on a loopback port.
            assert_port_for_web_server_only(host, app, web_group)
            checked += 1
    # mod_wsgi inside Apache: the application has no socket nor port of its own.
    assert checked == sum(1 for app in apps if not app["hosted_by_web_server"])


def test_no_app_process_listens_on_a_tcp_or_udp_port(host, apps):
    """An application listens on no port, but an app server that cannot use a
    unix socket on its backend_port, on loopback only."""
    for app in apps:
        for pid in app_pids(host, app):
            own = [line for line in listeners_of(host, app, pid) if f"pid={pid}," in line]
            allowed = [f"127.0.0.1:{app['backend_port']} "] if app["backend_port"] else []
            assert all(line.startswith("tcp") and any(a in line for a in allowed) for line in own), (
                f"{app['name']} listens on a port other than its loopback backend port:\n" + "\n".join(own)
            )


def test_secrets_are_readable_by_root_and_the_app_group_only(host, apps, raw_apps):
    for app, raw in zip(apps, raw_apps):
        secrets = host.file(app["secrets_file"])
        assert (secrets.user, secrets.group, secrets.mode) == ("root", app["group"], 0o640)
        assert host.file(app["config_dir"]).mode == 0o750
        secret_key = raw.get("secret_env", {}).get("SECRET_KEY")
        if secret_key is not None:
            # The value reaches the application unchanged, whatever characters it holds.
            seen = fetch_app(host, app, app["url_prefix"] + "whoami").json()
            assert seen["secret_key_sha256"] == hashlib.sha256(str(secret_key).encode()).hexdigest()


def test_check_mode_on_the_converged_host_changes_nothing(raw_apps):
    result = ansible_playbook("--check", "--diff", "-v")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    recap = result.stdout[result.stdout.rindex("PLAY RECAP"):]
    assert re.search(r"changed=0\s", recap), result.stdout[-3000:]
    assert re.search(r"failed=0\s", recap)
    for raw in raw_apps:
        for value in raw.get("secret_env", {}).values():
            assert str(value) not in result.stdout + result.stderr, "a secret value was printed"


# Last in this file, so the checks above see the host as converged.
def test_everything_serves_again_after_a_reboot(host, apps):
    restart_container(host)
    for app in apps:
        assert app_is_enabled_at_boot(host, app)
        response = fetch_app(host, app, app["url_prefix"])
        assert response.status == 200
        assert response.headers.get("x-served-by") == "flask"
    # And what the applications run besides their web process: their workers and timers.
    for app in apps:
        for unit in [u for p in app["processes"] for u in p["instance_units"]] + [j["timer"] for j in app["jobs"]]:
            assert host.service(unit).is_running, f"{unit} did not start at boot"
