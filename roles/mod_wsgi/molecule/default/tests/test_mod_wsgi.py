"""The mod_wsgi role's contract: each application runs in an Apache of its own
(behind the host's Apache here), wholly as the application's user, with mod_wsgi
in daemon mode, its virtualenv as python-home and its settings loaded although
its unit reads no EnvironmentFile; and the Python that mod_wsgi embeds must be
the virtualenv's, or the play stops.

Expectations come from this scenario's inventory (flaskstack_apps, the pairing,
mod_wsgi_processes) and from the collection's layout filter.
"""

import hashlib
import json
import pathlib
import re
import shlex
import sys

import pytest

REPO = pathlib.Path(__file__).resolve().parents[5]
sys.path.insert(0, str(REPO / "tests" / "integration"))
from stacklib import ansible_playbook, app_pids, apps, fetch, fetch_app, hostvars, pairing, layout, raw_apps  # noqa: E402,F401

CONVERGE = pathlib.Path(__file__).resolve().parents[1] / "converge.yml"
MOD_WSGI = "/usr/lib/apache2/modules/mod_wsgi.so"
WEB_SERVER_USER = "www-data"


@pytest.fixture(scope="module")
def processes(hostvars):
    return int(hostvars["mod_wsgi_processes"])


def recap(output):
    return output[output.rindex("PLAY RECAP"):]


def daemon_processes(host, app):
    """(pid, user, group) of the daemon processes of the application's process group.
    mod_wsgi renames them (display-name=%{GROUP}) to "(wsgi:flaskstack-<name>)", but
    only within the space of Apache's own argv[0] ("/usr/sbin/apache2", 17
    characters): ps shows the name cut to that length, followed by Apache's other
    arguments. Each is a child of the main process of the application's own Apache.
    """
    apache = int(host.check_output(f"systemctl show -p MainPID --value {app['service_unit']}"))
    assert apache > 0, f"{app['service_unit']} is not running"
    shown = f"(wsgi:{app['unit_name']})"
    found = []
    for line in host.check_output(f"ps -o pid=,user=,group=,args= --ppid {apache}").splitlines():
        pid, user, group, args = line.split(None, 3)
        name = args.split()[0]
        if name.startswith("(wsgi:") and shown.startswith(name):
            found.append((int(pid), user, group))
    return found


def embedded_python(host):
    """The libpython3.X that mod_wsgi.so links to."""
    match = re.search(r"libpython3\.\d+", host.check_output(f"ldd {MOD_WSGI}"))
    assert match, f"{MOD_WSGI} links to no libpython"
    return match.group(0)


def venv_python(host, app):
    return "libpython" + host.check_output(
        f"{app['venv_dir']}/bin/python -c " + shlex.quote("import sys; print('%d.%d' % sys.version_info[:2])")
    )


def apache_files(host):
    """Every path under /etc/apache2 and /etc/flaskstack and the units, with its
    type, link target, owner, mode and checksum."""
    return host.check_output(
        "cd / && find etc/apache2 etc/flaskstack etc/systemd/system -printf '%p %y %l %u:%g %m\\n' | sort"
        " && find etc/apache2 etc/flaskstack etc/systemd/system -type f -print0 | sort -z | xargs -0 md5sum"
    )


def masters(host, apps):
    """The main processes of the host's Apache and of each application's own."""
    return [host.check_output(f"systemctl show -p MainPID --value {unit}") for unit in ["apache2"] + [a["service_unit"] for a in apps]]


def test_each_app_has_an_apache_of_its_own_on_a_loopback_port(host, apps, raw_apps, processes):
    for app, raw in zip(apps, raw_apps):
        conf = host.file(f"{app['config_dir']}/apache.conf")
        assert (conf.user, conf.group, conf.mode) == ("root", app["group"], 0o640)
        text = conf.content_string
        assert f"Listen 127.0.0.1:{app['backend_port']}\n" in text
        assert f"WSGIDaemonProcess {app['unit_name']} " in text and "user=" not in text
        assert re.search(rf"\bpython-home={re.escape(app['venv_dir'])}\s", text), text
        assert f"python-home=/srv/flaskstack/{app['name']}/current/venv" in text
        assert f"processes={raw.get('workers', processes)} " in text
        # Each daemon process loads the application as it starts (both groups named).
        assert re.search(rf"^WSGIScriptAlias / {re.escape(app['wsgi_file'])} process-group={re.escape(app['unit_name'])} application-group=%{{GLOBAL}}$", text, re.M), text
        unit = host.file(f"/etc/systemd/system/{app['service_unit']}").content_string
        assert f"User={app['user']}\n" in unit and "CapabilityBoundingSet=\n" in unit
        assert host.service(app["service_unit"]).is_running and host.service(app["service_unit"]).is_enabled
        # The host's Apache proxies to it, and runs no application code itself.
        site = host.file(f"/etc/apache2/sites-available/{app['site_name']}").content_string
        assert f"ProxyPass / http://127.0.0.1:{app['backend_port']}/ retry=0" in site and "WSGI" not in site
        assert not host.file(f"/etc/systemd/system/{app['unit_name']}.socket").exists
        check = host.run(f"runuser -u {app['user']} -- /usr/sbin/apache2 -t -f {conf.path}")
        assert check.rc == 0, check.stderr
    assert not host.file("/etc/apache2/mods-enabled/wsgi.load").exists
    assert not host.file("/etc/systemd/system/apache2.service.d/flaskstack-sandbox.conf").exists


def test_the_daemon_processes_run_as_the_app_user(host, apps, raw_apps, processes):
    for app, raw in zip(apps, raw_apps):
        daemons = daemon_processes(host, app)
        assert len(daemons) == raw.get("workers", processes), daemons
        for pid, user, group in daemons:
            assert (user, group) == (app["user"], app["group"]), (pid, user, group)
        # Every process of the application's user belongs to its own Apache.
        cgroup = host.check_output(f"systemctl show -p ControlGroup --value {app['service_unit']}")
        for pid in app_pids(host, app):
            assert host.file(f"/proc/{pid}/cgroup").content_string.strip().endswith(cgroup), pid
        # The host Apache's workers (www-data) are no daemon processes: they run no application code.
        assert "(wsgi:" not in host.run(f"ps -o args= -u {WEB_SERVER_USER}").stdout


def test_the_app_answers_through_apache_as_its_user(host, apps):
    for app in apps:
        response = fetch_app(host, app, app["url_prefix"])
        assert response.status == 200, response.body
        assert response.headers.get("x-served-by") == "flask"
        health = fetch_app(host, app, app["url_prefix"].rstrip("/") + app["health_path"])
        assert health.status == 200
        assert health.json()["status"] == "ok"
        whoami = fetch_app(host, app, app["url_prefix"] + "whoami")
        assert whoami.status == 200
        assert whoami.json()["user"] == app["user"]
        assert whoami.json()["user"] != WEB_SERVER_USER
        # The host's Apache in front: the application sees the client's own address (ProxyFix).
        assert whoami.json()["remote_addr"] == "127.0.0.1"


def test_the_app_sees_its_settings_without_an_environment_file(host, apps, raw_apps):
    for app, raw in zip(apps, raw_apps):
        # The unit of its Apache reads no EnvironmentFile of the application ...
        environment_files = host.check_output(f"systemctl show -p EnvironmentFiles --value {app['service_unit']}")
        assert "/etc/flaskstack" not in environment_files
        assert "DEMO_GREETING" not in host.file("/etc/apache2/envvars").content_string
        # ... yet the application has its settings and its secret, from the WSGI shim.
        greeting = raw["env"]["DEMO_GREETING"]
        assert greeting in fetch_app(host, app, app["url_prefix"]).body
        seen = fetch_app(host, app, app["url_prefix"] + "whoami").json()
        secret = raw.get("secret_env", {}).get("SECRET_KEY")
        assert seen["secret_key_set"] is bool(secret)
        if secret:
            assert seen["secret_key_sha256"] == hashlib.sha256(secret.encode()).hexdigest()


def test_mod_wsgi_embeds_the_python_of_each_virtualenv(host, apps):
    embedded = embedded_python(host)
    for app in apps:
        assert venv_python(host, app) == embedded


def test_a_python_mismatch_stops_the_play_before_any_change(host, apps):
    """mod_wsgi built for another Python than the virtualenv's: the play stops with a clear message.

    Simulated without touching the installed module or the virtualenvs: a copy of
    mod_wsgi.so in a scratch directory, whose dependency on libpython3.X is renamed
    libpython3.99 (same length), stands in for the module (the role's internal
    variable __mod_wsgi_module, overridden for this run only). The role finds the
    Python with ldd on it as it does on the real module.
    """
    embedded = embedded_python(host)
    version = embedded[len("libpython"):]
    fake_dir = host.check_output("mktemp -d /tmp/fake-mod-wsgi.XXXXXX")
    fake = f"{fake_dir}/mod_wsgi.so"
    patch = (
        "import sys; data = open(sys.argv[1], 'rb').read(); old = sys.argv[3].encode();"
        " assert old in data; open(sys.argv[2], 'wb').write(data.replace(old, b'libpython3.99'))"
    )
    # Same length as the original name, so the ELF stays well formed (3.10 and later).
    assert len(embedded) == len("libpython3.99"), embedded
    host.check_output(f"python3 -c {shlex.quote(patch)} {MOD_WSGI} {fake} {embedded}")
    assert "libpython3.99" in host.check_output(f"ldd {fake} || true")
    files_before = apache_files(host)
    running = masters(host, apps)
    try:
        result = ansible_playbook("-e", json.dumps({"__mod_wsgi_module": fake}), playbook=CONVERGE)
        output = result.stdout + result.stderr
        assert result.returncode != 0, output[-3000:]
        for app in apps:
            message = (
                f"{app['name']}: its virtualenv runs python{version} but mod_wsgi (libapache2-mod-wsgi-py3)"
                " embeds python3.99; mod_wsgi can only host a virtualenv of its own Python."
            )
            assert message in " ".join(output.split()), output[-3000:]
        assert re.search(r"failed=1\s", recap(output)), output[-3000:]
        # It stopped before any change: Apache's files and the running server are as they were.
        assert apache_files(host) == files_before
        assert masters(host, apps) == running
        for app in apps:
            response = fetch_app(host, app, app["url_prefix"])
            assert response.status == 200
            assert response.headers.get("x-served-by") == "flask"
    finally:
        host.run(f"rm -rf {shlex.quote(fake_dir)}")


def test_a_configuration_apache_refuses_never_reaches_it(host, apps):
    """The applications' Apaches are written in one change tested with each one's
    configuration test: more threads than mod_wsgi allows (the role cannot know
    that limit) stop the play with what Apache said, every file as before and
    every running Apache untouched."""
    files_before = apache_files(host)
    running = masters(host, apps)
    result = ansible_playbook("-e", json.dumps({"mod_wsgi_threads": 100000}), playbook=CONVERGE)
    output = result.stdout + result.stderr
    assert result.returncode != 0, output[-3000:]
    assert "apache2 -t -f" in output and "rejected the new configuration; it was not applied" in output, output[-3000:]
    assert re.search(r"failed=1\s", recap(output)), output[-3000:]
    assert apache_files(host) == files_before
    assert masters(host, apps) == running
    for app in apps:
        response = fetch_app(host, app, app["url_prefix"])
        assert response.status == 200 and response.headers.get("x-served-by") == "flask"


@pytest.mark.parametrize("variable, value", [("mod_wsgi_processes", 0), ("mod_wsgi_threads", 0), ("mod_wsgi_maximum_requests", -1)])
def test_a_number_out_of_range_stops_the_play_before_any_change(host, variable, value):
    files_before = apache_files(host)
    result = ansible_playbook("-e", json.dumps({variable: value}), playbook=CONVERGE)
    output = result.stdout + result.stderr
    assert result.returncode != 0, output[-3000:]
    assert f"{variable}: {value} is out of range" in output, output[-3000:]
    assert apache_files(host) == files_before
