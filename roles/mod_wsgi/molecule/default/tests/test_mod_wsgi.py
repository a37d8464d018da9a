"""The mod_wsgi role's contract: each application runs in its own mod_wsgi daemon
process group inside Apache, as the application's user, with its virtualenv as
python-home and its settings loaded although mod_wsgi reads no EnvironmentFile;
and the Python that mod_wsgi embeds must be the virtualenv's, or the play stops.

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
CONF_DIR = "/etc/apache2/flaskstack"
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
    arguments ("-k start"). Each is a child of Apache's main process.
    """
    apache = int(host.check_output("systemctl show -p MainPID --value apache2"))
    assert apache > 0, "apache2 is not running"
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
    """Every path under /etc/apache2 with its type, link target, owner, mode and checksum."""
    return host.check_output(
        "cd /etc/apache2 && find . -printf '%p %y %l %u:%g %m\\n' | sort"
        " && find . -type f -print0 | sort -z | xargs -0 md5sum"
    )


def test_each_app_has_its_daemon_process_group(host, apps, raw_apps, processes):
    for app, raw in zip(apps, raw_apps):
        conf = host.file(f"{CONF_DIR}/{app['name']}-wsgi.conf")
        assert conf.is_file
        assert (conf.user, conf.group, conf.mode) == ("root", "root", 0o644)
        text = conf.content_string
        assert f"WSGIDaemonProcess {app['unit_name']} " in text
        assert f"user={app['user']} group={app['group']}" in text
        assert re.search(rf"\bpython-home={re.escape(app['venv_dir'])}\s", text), text
        assert f"python-home=/srv/flaskstack/{app['name']}/current/venv" in text
        assert f"processes={raw.get('workers', processes)} " in text
        # The site includes it and runs the application in that group, never embedded.
        site = host.file(f"/etc/apache2/sites-available/{app['site_name']}").content_string
        assert f"Include {conf.path}" in site
        # Each daemon process loads the application as it starts (both groups named).
        assert re.search(rf"WSGIScriptAlias \S+ {re.escape(app['wsgi_file'])} process-group={re.escape(app['unit_name'])} application-group=%{{GLOBAL}}$", site, re.M), site
        # Under mod_wsgi the application has no unit or socket of its own.
        assert not host.file(f"/etc/systemd/system/flaskstack-{app['name']}.service").exists
        assert not host.file(f"/etc/systemd/system/flaskstack-{app['name']}.socket").exists
    assert host.file("/etc/apache2/mods-enabled/wsgi.load").exists
    check = host.run("apache2ctl configtest")
    assert check.rc == 0, check.stderr


def test_the_daemon_processes_run_as_the_app_user(host, apps, raw_apps, processes):
    for app, raw in zip(apps, raw_apps):
        daemons = daemon_processes(host, app)
        assert len(daemons) == raw.get("workers", processes), daemons
        for pid, user, group in daemons:
            assert (user, group) == (app["user"], app["group"]), (pid, user, group)
        # Every process of the application's user is one of its daemon processes.
        assert sorted(app_pids(host, app)) == sorted(pid for pid, _, _ in daemons)
        # Apache's own workers (www-data) are no daemon processes: they run no application code.
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
        # No proxy in front of Apache: the application sees the client's own address.
        assert whoami.json()["remote_addr"] == "127.0.0.1"


def test_the_app_sees_its_settings_without_an_environment_file(host, apps, raw_apps):
    # Apache's unit reads no EnvironmentFile of the application ...
    environment_files = host.check_output("systemctl show -p EnvironmentFiles --value apache2")
    assert "/etc/flaskstack" not in environment_files
    for app, raw in zip(apps, raw_apps):
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
    master = host.check_output("systemctl show -p MainPID --value apache2")
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
        assert host.check_output("systemctl show -p MainPID --value apache2") == master
        for app in apps:
            response = fetch_app(host, app, app["url_prefix"])
            assert response.status == 200
            assert response.headers.get("x-served-by") == "flask"
    finally:
        host.run(f"rm -rf {shlex.quote(fake_dir)}")


def test_a_daemon_configuration_apache_refuses_never_reaches_apache(host, apps):
    """The daemon process groups are written in one change tested with
    apache2ctl configtest: more threads than mod_wsgi allows (the role cannot
    know that limit) stop the play with what Apache said, every file as before
    and the running Apache untouched."""
    files_before = apache_files(host)
    master = host.check_output("systemctl show -p MainPID --value apache2")
    result = ansible_playbook("-e", json.dumps({"mod_wsgi_threads": 100000}), playbook=CONVERGE)
    output = result.stdout + result.stderr
    assert result.returncode != 0, output[-3000:]
    assert "apache2ctl configtest rejected the new configuration; it was not applied" in output, output[-3000:]
    assert re.search(r"failed=1\s", recap(output)), output[-3000:]
    assert apache_files(host) == files_before
    assert host.check_output("systemctl show -p MainPID --value apache2") == master
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
