"""The app role's contract, with no app server and no web server: the application's
user, code, virtualenv, settings, secrets and WSGI entry point.

Expectations come from this scenario's inventory (flaskstack_apps) and from the
collection's layout filter, the one place where derived names are computed.
"""

import hashlib
import json
import os
import pathlib
import shlex
import sys

import pytest

REPO = pathlib.Path(__file__).resolve().parents[5]
sys.path.insert(0, str(REPO / "tests" / "integration"))
from stacklib import apps, hostvars, pairing, layout, raw_apps  # noqa: E402,F401

CA_PATH = "/etc/flaskstack/pip-ca.pem"


def as_user(user, script):
    """A shell command that runs the sh script as the given user."""
    return f"runuser -u {user} -- sh -c {shlex.quote(script)}"


def python_in_venv(app, code, env_files):
    """Run Python from the app's virtualenv as the app's user, in its code directory,
    with the environment of the given files (systemd EnvironmentFile syntax, which sh
    reads the same way for the double-quoted values the role writes)."""
    load = "".join(f". {f} && " for f in env_files)
    return as_user(
        app["user"],
        f"set -a && {load}set +a && cd {app['code_dir']} && {app['venv_dir']}/bin/python -c {shlex.quote(code)}",
    )


def test_the_app_user_and_group_exist_without_a_login_shell(host, apps):
    for app in apps:
        group = host.group(app["group"])
        assert group.exists
        user = host.user(app["user"])
        assert user.exists
        assert user.group == app["group"]
        assert user.shell == "/usr/sbin/nologin"
        assert user.home == app["base_dir"]
        assert user.uid < 1000, "the app user is not a system user"
        assert group.gid < 1000
        # Nobody can log in as the app user.
        login = host.run(f"su {app['user']} -c true")
        assert login.rc != 0, login.stdout + login.stderr


def test_the_virtualenv_yields_a_wsgi_callable(host, apps):
    for app in apps:
        code = (
            f"import sys; sys.path.insert(0, {app['wsgi_dir']!r}); import {app['wsgi_module']};"
            f" assert callable({app['wsgi_module']}.application)"
        )
        result = host.run(python_in_venv(app, code, [app["env_file"]]))
        assert result.rc == 0, result.stdout + result.stderr


def test_the_wsgi_callable_serves_requests_with_the_settings_and_secrets(host, apps, raw_apps):
    code = """
import json, os, sys
sys.path.insert(0, %r)
import flaskstack_wsgi
from werkzeug.test import Client
client = Client(flaskstack_wsgi.application)
index = client.get("/")
health = client.get("/health")
print(json.dumps({"index": [index.status_code, index.get_data(as_text=True)],
                  "health": [health.status_code, health.get_json()],
                  "environ": {k: os.environ.get(k) for k in %r}}))
"""
    for app, raw in zip(apps, raw_apps):
        keys = sorted(raw.get("env", {})) + sorted(raw.get("secret_env", {}))
        result = host.run(python_in_venv(app, code % (app["wsgi_dir"], keys), [app["env_file"], app["secrets_file"]]))
        assert result.rc == 0, result.stdout + result.stderr
        seen = json.loads(result.stdout.strip().splitlines()[-1])
        assert seen["health"][0] == 200
        assert seen["health"][1]["status"] == "ok"
        assert seen["index"][0] == 200
        greeting = raw.get("env", {}).get("DEMO_GREETING")
        if greeting:
            assert greeting in seen["index"][1], "the application did not get its settings from app.env"
        # Every value arrives unchanged, whatever characters it holds.
        expected = {**raw.get("env", {}), **raw.get("secret_env", {})}
        assert seen["environ"] == {k: str(v) for k, v in expected.items()}


def test_the_requirements_are_installed_in_the_virtualenv(host, apps, raw_apps):
    for app, raw in zip(apps, raw_apps):
        requirements = pathlib.Path(raw["source"]["path"]) / app["requirements"]
        if not requirements.exists():
            continue
        for line in requirements.read_text().splitlines():
            line = line.split("#")[0].strip()
            if "==" not in line:
                continue
            name, version = line.split("==")
            code = f"import importlib.metadata as m; print(m.version({name.strip()!r}))"
            got = host.check_output(f"{app['venv_dir']}/bin/python -c {shlex.quote(code)}")
            assert got == version.strip(), f"{name}: {got} installed, {version} required"


def test_settings_and_secrets_are_readable_by_root_and_the_app_group_only(host, apps, raw_apps):
    for app, raw in zip(apps, raw_apps):
        config_dir = host.file(app["config_dir"])
        assert (config_dir.user, config_dir.group, config_dir.mode) == ("root", app["group"], 0o750)
        for path in (app["env_file"], app["secrets_file"]):
            f = host.file(path)
            assert (f.user, f.group, f.mode) == ("root", app["group"], 0o640), path
            # Another local user cannot read it, the app user can.
            assert host.run(as_user("nobody", f"cat {path}")).rc != 0, path
            assert host.run(as_user(app["user"], f"cat {path} >/dev/null")).rc == 0, path
        secrets = host.file(app["secrets_file"]).content_string
        plain = host.file(app["env_file"]).content_string
        for key, value in raw.get("secret_env", {}).items():
            assert f"{key}=" in secrets
            assert f"{key}=" not in plain, f"the secret {key} is in app.env"
        # The exact secret values, as the application's environment gets them.
        if raw.get("secret_env"):
            keys = sorted(raw["secret_env"])
            code = f"import json, os; print(json.dumps({{k: os.environ.get(k) for k in {keys!r}}}))"
            result = host.run(python_in_venv(app, code, [app["secrets_file"]]))
            assert result.rc == 0, result.stderr
            assert json.loads(result.stdout) == {k: str(v) for k, v in raw["secret_env"].items()}


def test_pip_in_the_virtualenv_trusts_the_ca_bundle(host, apps):
    bundle = os.environ.get("FLASKSTACK_PIP_CA_BUNDLE") or "/etc/ssl/certs/ca-certificates.crt"
    ca = host.file(CA_PATH)
    assert (ca.user, ca.group, ca.mode) == ("root", "root", 0o644)
    assert ca.sha256sum == hashlib.sha256(pathlib.Path(bundle).read_bytes()).hexdigest(), "not the controller's bundle"
    for app in apps:
        assert f"cert = {CA_PATH}" in host.file(f"{app['venv_dir']}/pip.conf").content_string.splitlines()
        # pip itself reads it: the virtualenv's own configuration names the bundle.
        config = host.check_output(f"{app['venv_dir']}/bin/pip config list")
        assert f"global.cert='{CA_PATH}'" in config.splitlines(), config


def test_the_code_is_owned_by_root_and_not_writable_by_the_app(host, apps, raw_apps):
    for app, raw in zip(apps, raw_apps):
        # The code on the host is the code from the controller.
        source = pathlib.Path(raw["source"]["path"])
        for path in sorted(source.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                relative = path.relative_to(source)
                assert host.file(f"{app['code_dir']}/{relative}").sha256sum == hashlib.sha256(path.read_bytes()).hexdigest()
        # -H: the release's venv is a link to its environment; look inside it.
        for directory in (app["code_dir"], app["wsgi_dir"], app["venv_dir"]):
            not_root = host.check_output(f"find -H {directory} \\( ! -user root -o ! -group root \\) -print")
            assert not_root == "", f"not owned by root:root in {directory}:\n{not_root}"
            # (But for the links to its shared directories, its data by design.)
            writable = host.run(as_user(app["user"], f"find -H {directory} ! -type l -writable -print"))
            assert writable.rc == 0, writable.stderr
            assert writable.stdout.strip() == "", f"{app['user']} can write:\n{writable.stdout}"
        probe = host.run(as_user(app["user"], f"touch {app['code_dir']}/probe"))
        assert probe.rc != 0
        assert not host.file(f"{app['code_dir']}/probe").exists


def test_no_app_server_runs_but_the_release_brings_its_package(host, apps):
    for app in apps:
        assert not host.file(f"/etc/systemd/system/{app['service_unit']}").exists
        assert not host.file(app["socket_path"]).exists
        # The release's virtualenv has the app server it was checked with (app_server_packages).
        assert host.file(f"{app['venv_dir']}/bin/gunicorn").exists


def test_the_first_release_is_live_and_finished(host, apps):
    for app in apps:
        link = host.file(app["current_link"])
        assert link.is_symlink
        release = link.linked_to
        assert release.startswith(app["releases_dir"] + "/")
        assert host.file(f"{release}/.flaskstack-release").exists
        assert host.file(app["releases_dir"]).listdir() == [release.rsplit("/", 1)[-1]]


def test_the_release_uses_an_environment_built_from_the_wheelhouse(host, apps, raw_apps):
    for app, raw in zip(apps, raw_apps):
        release = host.file(app["current_link"]).linked_to
        venv = host.file(f"{release}/venv")
        assert venv.is_symlink and venv.linked_to.startswith(app["envs_dir"] + "/")
        env = venv.linked_to
        marker = json.loads(host.file(f"{env}/.flaskstack-env").content_string)
        assert marker["env"] == env.rsplit("/", 1)[-1]
        if raw.get("wheelhouse"):
            # pip had no index to reach (the scenario's index answers nothing): every
            # package came from the wheelhouse, which is gone once the environment is built.
            assert marker["wheelhouse"] is True
            assert not host.file(f"{env}/wheelhouse").exists
            for wheel in pathlib.Path(raw["wheelhouse"]).glob("gunicorn-*.whl"):
                version = wheel.name.split("-")[1]
                code = "import importlib.metadata as m; print(m.version('gunicorn'))"
                assert host.check_output(f"{env}/bin/python -c {shlex.quote(code)}") == version


def first_of_the_batch(hostvars):
    """Whether this host is the first of the play's batch: the first in the inventory, whose
    names (the scenario's platforms) sort in that order, as testinfra lists them."""
    return hostvars["inventory_hostname"] == hostvars["groups"]["flaskstack"][0]


def test_a_packaged_application_is_installed_with_the_dependencies_it_declares(host, apps, hostvars):
    (notes,) = [a for a in apps if a["name"] == "notes"]
    code = """
import importlib.metadata as m, json, sys
sys.path.insert(0, %r)
import flaskstack_wsgi, notes
from werkzeug.test import Client
index = Client(flaskstack_wsgi.application).get("/").get_json()
print(json.dumps({"version": m.version("notes"), "file": notes.__file__, "humanize": m.version("humanize"), "index": index}))
""" % notes["wsgi_dir"]
    result = host.run(python_in_venv(notes, code, [notes["env_file"]]))
    assert result.rc == 0, result.stdout + result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    # Installed as a package (src layout: the code directory alone could not import it),
    # with the dependency only its pyproject.toml declares.
    assert seen["version"] == "1.0.0" and "/site-packages/notes/" in seen["file"], seen
    assert seen["humanize"] == "4.17.0"
    # Its instance folder, that of an installed package, is its shared directory: the release
    # command made its database there, as its user, and its settings file was read from there.
    assert seen["index"]["instance_path"] == notes["venv_dir"] + "/var/notes-instance"
    assert seen["index"]["title"] == "Notes from the settings file"
    # Its release command ran once for the batch: on its first host, which has the database.
    database = host.file(f"{notes['base_dir']}/shared/notes-instance/notes.sqlite")
    if first_of_the_batch(hostvars):
        assert database.exists and database.user == notes["user"]
        assert seen["index"]["notes"] == "one"
    else:
        assert not database.exists and seen["index"]["notes"] is None
    # The environment keeps no copy of the code it was built from.
    env = host.file(f"{host.file(notes['current_link']).linked_to}/venv").linked_to
    assert not host.file(f"{env}/project").exists
    assert json.loads(host.file(f"{env}/.flaskstack-env").content_string)["project"] is True
