"""What only the container runtime has, checked behind both web servers
(molecule/stack_nginx, molecule/stack_apache) beside the shared suite:
the container's confinement as the engine reports it, the engine's own settings,
the Docker socket out of the applications' reach, the images kept, and a crash."""

import json
import pathlib
import shlex
import shutil
import sys
import time

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[3] / "tests" / "integration"))
from stacklib import REPO, ansible_playbook, apps, fetch_app, hostvars, inspect, live_container, pairing, raw_apps  # noqa: E402,F401


@pytest.fixture(scope="module")
def containers(apps):
    """The applications of the container runtime."""
    found = [app for app in apps if app["runtime"] == "container"]
    assert found, "the scenario has no application in a container"
    return found


def test_each_container_is_locked_down(host, containers):
    for app in containers:
        info = inspect(host, live_container(host, app))
        uid, gid = host.user(app["user"]).uid, host.user(app["user"]).gid
        config, hostconfig = info["Config"], info["HostConfig"]
        assert config["User"] == f"{uid}:{gid}", "the image's user is the application's, not root"
        assert hostconfig["ReadonlyRootfs"] is True
        assert "/tmp" in (hostconfig.get("Tmpfs") or {})
        assert hostconfig["CapDrop"] == ["ALL"] and not hostconfig.get("CapAdd")
        assert "no-new-privileges" in (hostconfig.get("SecurityOpt") or [])
        assert hostconfig["Privileged"] is False
        assert not hostconfig.get("PortBindings") and not (info["NetworkSettings"].get("Ports") or {}), "no published port"
        assert hostconfig["RestartPolicy"]["Name"] == "unless-stopped"
        assert hostconfig["Memory"] == 512 * 1024**2 and hostconfig["PidsLimit"] == 512
        assert hostconfig["LogConfig"]["Type"] == "journald"
        mounts = {m["Destination"]: m for m in info["Mounts"]}
        assert "/var/run/docker.sock" not in mounts and "/run/docker.sock" not in mounts
        assert all(not m["RW"] for d, m in mounts.items() if d.startswith("/etc/")), "settings files are mounted read-only"
        # Every process of the container is the application's user.
        users = [line.split()[1] for line in host.check_output(f"docker top {info['Name'].lstrip('/')} -eo pid,user").splitlines()[1:]]
        assert users and set(users) == {app["user"]}, users
        # The release's code in the image belongs to root: the application cannot change it.
        owner = host.check_output(f"docker exec {info['Name'].lstrip('/')} stat -c %U {app['code_dir']}/")
        assert owner == "root"


# What each app server's container runs (roles/*/tasks/container.yml).
RUNS = {"gunicorn": "-m gunicorn ", "uwsgi": "import sys, pyuwsgi"}


def test_each_container_runs_its_own_app_server(host, containers):
    assert {app["app_server"] for app in containers} == set(RUNS), "the scenario runs every app server of the container runtime"
    for app in containers:
        info = inspect(host, live_container(host, app))
        command = " ".join(info["Config"]["Cmd"])
        assert [server for server, runs in RUNS.items() if runs in command] == [app["app_server"]], (app["name"], command)


def test_the_engine_is_configured_and_unreachable_for_the_apps(host, apps):
    assert host.check_output("docker info --format '{{.LiveRestoreEnabled}} {{.LoggingDriver}}'") == "true journald"
    assert host.service("docker").is_enabled and host.service("docker").is_running
    # The engine listens on its unix socket only.
    assert "dockerd" not in host.check_output("ss -Htlnp"), "dockerd listens on a TCP port"
    connect = "import socket; socket.socket(socket.AF_UNIX).connect('/run/docker.sock')"
    for app in apps:
        refused = host.run(f"runuser -u {app['user']} -- python3 -c {shlex.quote(connect)}")
        assert refused.rc != 0 and "PermissionError" in refused.stderr, refused.stderr
        assert app["user"] not in host.group("docker").members if host.group("docker").exists else True


def test_settings_reach_the_container_from_a_root_only_file(host, containers):
    for app in containers:
        env_file = host.file(app["container_env_file"])
        assert (env_file.user, env_file.group, env_file.mode) == ("root", "root", 0o600)


def _images_follow_the_releases(host, app):
    finished = set(host.check_output(f"cd {app['releases_dir']} && ls -d */.flaskstack-release | cut -d/ -f1").split())
    tags = set(host.check_output(f"docker image ls flaskstack/{app['name']} --format '{{{{.Tag}}}}'").split())
    assert tags == finished, (tags, finished)
    live = host.check_output(f"readlink {app['current_link']}").rsplit("/", 1)[-1]
    assert live in tags
    # One environment image per environment a kept release uses.
    envs = {inspect(host, f"flaskstack/{app['name']}:{t}")["Config"]["Labels"]["flaskstack.env"] for t in tags}
    env_tags = set(host.check_output(f"docker image ls flaskstack/{app['name']}-env --format '{{{{.Tag}}}}'").split())
    assert env_tags == envs, (env_tags, envs)
    return tags


def test_the_images_of_the_kept_releases_and_no_others(host, containers, raw_apps, tmp_path):
    for app in containers:
        _images_follow_the_releases(host, app)
    # A release that is built but refused (it cannot import) leaves no image behind.
    app = containers[0]
    (raw,) = [r for r in raw_apps if r["name"] == app["name"]]
    tree = tmp_path / "broken"
    shutil.copytree(raw["source"]["path"], tree)
    init = tree / "demo" / "__init__.py"
    init.write_text(init.read_text() + "\nimport flaskstack_no_such_module  # noqa\n")
    extra = tmp_path / "broken.json"
    extra.write_text(json.dumps({"flaskstack_apps": [dict(r, source={"path": str(tree)}) if r is raw else r for r in raw_apps]}))
    before = _images_follow_the_releases(host, app)
    result = ansible_playbook("-e", f"@{extra}", playbook=REPO / "playbooks" / "deploy.yml")
    assert result.returncode != 0 and "flaskstack_no_such_module" in result.stdout + result.stderr
    assert _images_follow_the_releases(host, app) == before


def test_a_crashed_container_comes_back(host, containers):
    app = containers[0]
    name = live_container(host, app)
    pid = inspect(host, name)["State"]["Pid"]
    host.check_output(f"kill -9 {pid}")
    deadline = time.time() + 60
    while time.time() < deadline:
        info = inspect(host, name)
        if info["State"]["Running"] and info["RestartCount"] >= 1:
            response = fetch_app(host, app, app["url_prefix"])
            if response.status == 200:
                break
        time.sleep(0.5)
    else:
        raise AssertionError(f"{name} did not come back after its process was killed")
    assert response.headers.get("x-served-by") == "flask"
    # The engine's logs of the application reach the journal.
    assert host.run(f"journalctl -q --no-pager -t flaskstack-{app['name']} -n 5").stdout.strip()
