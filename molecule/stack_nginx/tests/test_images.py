"""The container runtime's images that the collection does not write the
Dockerfile of, end to end beside the scenario's applications: "kiosk", built
from the application's own Dockerfile; "depot", pulled from a registry that
wants a password (Debian's docker-registry on the lab host, the password from
Ansible Vault); "store", a docker save archive on the controller, copied and
loaded. All three run the image a user would make: Debian with Flask and
Gunicorn from its packages, the code at /srv/depot, an entrypoint and a stop
signal of its own that the collection must set aside.

The three applications are removed again at the end (state: absent, their
data too), so that the suites after this one see the scenario's host.
"""

import json
import os
import pathlib
import re
import shlex
import shutil
import subprocess
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[3] / "tests" / "integration"))
from stacklib import REPO, ansible_playbook, fetch_app, hostvars, inspect, layout, live_container, raw_apps  # noqa: E402,F401

REGISTRY = "localhost:5000"
REGISTRY_USER = "lab-deployer"
# Never on the host after a run, never in Ansible's output.
REGISTRY_PASSWORD = "registry-canary-7d41e0"
DISTRO = os.environ.get("MOLECULE_DISTRO") or "bookworm"
NAMES = ("kiosk", "depot", "store")

# An image as a user would write it: the code, and Flask and Gunicorn from
# Debian's packages (no package index: the lab's index is behind a proxy); an
# entrypoint and a stop signal of its own, which the collection replaces (its
# own command, and SIGTERM: Gunicorn's graceful stop).
DOCKERFILE = f"""FROM flaskstack-base:{DISTRO}
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3-flask python3-gunicorn \\
    && rm -rf /var/lib/apt/lists/*
COPY . /srv/depot
WORKDIR /srv/depot
ENTRYPOINT ["/bin/false"]
STOPSIGNAL SIGKILL
"""

REGISTRY_CONFIG = """version: 0.1
storage:
  filesystem:
    rootdirectory: /var/lib/docker-registry
http:
  addr: 127.0.0.1:5000
auth:
  htpasswd:
    realm: lab
    path: /etc/docker/registry/htpasswd
"""


def on_host(host, command):
    result = host.run(command)
    assert result.rc == 0, (command, result.stdout[-2000:], result.stderr[-2000:])
    return result.stdout.strip()


def docker_cp(src, dest):
    subprocess.run(["docker", "cp", src, dest], check=True, capture_output=True, timeout=300)


def converge(extra, *args):
    result = ansible_playbook("-e", f"@{extra}", *args)
    result.output = result.stdout + result.stderr
    return result


@pytest.fixture(scope="module")
def images(host, raw_apps, tmp_path_factory):
    """The registry, the image pushed to it and saved to an archive, and a
    converge with the three applications; they are removed afterwards."""
    work = tmp_path_factory.mktemp("images")
    code = work / "depot"
    shutil.copytree(REPO / "examples" / "demo_app", code)
    (code / "Dockerfile").write_text(DOCKERFILE)
    lab = host.backend.get_hostname()

    # A registry that wants a password, on loopback (Docker talks plain HTTP to a loopback registry).
    on_host(host, "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker-registry apache2-utils")
    on_host(host, f"htpasswd -Bbc /etc/docker/registry/htpasswd {REGISTRY_USER} {REGISTRY_PASSWORD}")
    on_host(host, f"printf '%s' {shlex.quote(REGISTRY_CONFIG)} > /etc/docker/registry/config.yml && systemctl restart docker-registry")
    on_host(host, "for i in $(seq 50); do curl -s -o /dev/null http://127.0.0.1:5000/v2/ && exit 0; sleep 0.2; done; exit 1")

    # The user's image: built, pushed under a tag, saved to an archive.
    on_host(host, "rm -rf /root/depot-src")
    docker_cp(str(code), f"{lab}:/root/depot-src")
    on_host(host, "DOCKER_BUILDKIT=0 docker build -q --network host -t lab/depot-build:1 /root/depot-src")
    push(host, "1")
    on_host(host, "docker tag lab/depot-build:1 lab/store:1 && docker save -o /root/store.tar lab/store:1 && docker rmi lab/store:1")
    archive = work / "store.tar"
    docker_cp(f"{lab}:/root/store.tar", str(archive))
    on_host(host, "rm -f /root/store.tar")

    password = work / "vault-password"
    password.write_text("lab-vault-password\n")
    vaulted = subprocess.run(
        ["ansible-vault", "encrypt_string", "--vault-password-file", str(password), REGISTRY_PASSWORD, "--name", "vault_registry_password"],
        capture_output=True, text=True, check=True, timeout=60, env=dict(os.environ, ANSIBLE_VERBOSITY="0"),
    ).stdout  # fmt: skip
    (work / "vault.yml").write_text(vaulted)

    def common(name):
        return {"name": name, "runtime": "container", "app_server": "gunicorn", "entry_point": "demo:create_app()",
                "server_names": [f"{name}.test"], "static_dir": "demo/static", "env": {"DEMO_GREETING": f"Hello from {name}", "DEMO_NAME": name}}  # fmt: skip

    added = [
        dict(common("kiosk"), source={"path": str(code)}, image={"dockerfile": "Dockerfile"}),
        dict(common("depot"), image={"reference": f"{REGISTRY}/depot:1"}),
        dict(common("store"), image={"archive": str(archive), "code_dir": "/srv/depot"}),
    ]
    extra = work / "apps.json"
    extra.write_text(json.dumps({
        "flaskstack_apps": list(raw_apps) + added,
        "container_registries": [{"registry": REGISTRY, "username": REGISTRY_USER, "password": "{{ vault_registry_password }}"}],
    }))  # fmt: skip
    vault_args = ("--vault-password-file", str(password), "-e", f"@{work / 'vault.yml'}")
    result = converge(extra, *vault_args)
    state = {"converge": result, "extra": extra, "vault_args": vault_args, "apps": layout.app_layouts(added), "removed": False}
    yield state
    if not state["removed"]:
        remove(state, raw_apps)


def push(host, tag):
    """Push the user's image to the registry as depot:TAG, then forget it on the host (the collection must pull it)."""
    on_host(host, f"docker tag lab/depot-build:1 {REGISTRY}/depot:{tag}")
    on_host(host, f"printf '%s' {REGISTRY_PASSWORD} | docker login -u {REGISTRY_USER} --password-stdin {REGISTRY} >/dev/null")
    on_host(host, f"docker push -q {REGISTRY}/depot:{tag} >/dev/null; rc=$?; docker logout {REGISTRY} >/dev/null; exit $rc")
    on_host(host, f"docker rmi {REGISTRY}/depot:{tag}")


def remove(state, raw_apps):
    gone = [{"name": a["name"], "state": "absent", "keep_data": False} for a in state["apps"]]
    extra = state["extra"].parent / "remove.json"
    extra.write_text(json.dumps({"flaskstack_apps": list(raw_apps) + gone}))
    state["removed"] = True
    return converge(extra)


def test_each_image_source_serves_through_the_web_server(host, images):
    result = images["converge"]
    assert result.returncode == 0, result.output[-4000:]
    for app in images["apps"]:
        response = fetch_app(host, app, "/")
        assert response.status == 200 and response.headers.get("x-served-by") == "flask", (app["name"], response.status, response.body[:300])
        assert f"Hello from {app['name']}" in response.body
        assert fetch_app(host, app, "/whoami").json()["user"] == app["user"]
        # The static files, copied out of the image, come from the web server.
        css = fetch_app(host, app, app["static_url"] + "style.css")
        assert css.status == 200 and "x-served-by" not in css.headers
        assert css.body == (REPO / "examples" / "demo_app" / "demo" / "static" / "style.css").read_text()


def test_the_image_s_own_entrypoint_and_stop_signal_give_way(host, images):
    for app in images["apps"]:
        info = inspect(host, live_container(host, app))
        uid, gid = host.user(app["user"]).uid, host.user(app["user"]).gid
        assert info["Config"]["User"] == f"{uid}:{gid}"
        assert not info["Config"]["Entrypoint"], info["Config"]["Entrypoint"]
        assert info["Config"]["StopSignal"] == "SIGTERM"
        assert "-m gunicorn" in " ".join(info["Config"]["Cmd"])
        # The code is the image's, where the image has it.
        name = info["Name"].lstrip("/")
        assert host.check_output(f"docker exec {name} readlink -f {app['code_dir']}") == "/srv/depot"


def test_the_registry_wants_a_password_that_stays_off_the_host_and_out_of_the_output(host, images):
    assert host.run(f"DOCKER_CONFIG=$(mktemp -d) docker pull -q {REGISTRY}/depot:1").rc != 0, "the registry let an anonymous pull through"
    # The collection pulled it, with the password, in a configuration of that run only.
    assert host.check_output(f"docker image ls -q {REGISTRY}/depot:1")
    assert REGISTRY_PASSWORD not in images["converge"].output
    found = host.run(f"grep -rl {REGISTRY_PASSWORD} /root/.docker /etc /var/lib/flaskstack /srv/flaskstack /tmp 2>/dev/null").stdout
    assert not found.strip(), found
    assert not host.file("/root/.docker/config.json").exists or REGISTRY not in host.file("/root/.docker/config.json").content_string


def test_the_same_images_deploy_nothing_and_a_moved_tag_deploys_its_image(host, images):
    def live():
        return {app["name"]: host.file(app["current_link"]).linked_to.rsplit("/", 1)[-1] for app in images["apps"]}

    before = live()
    deploy = ["-e", f"@{images['extra']}", *images["vault_args"]]
    result = ansible_playbook(*deploy, playbook=REPO / "playbooks" / "deploy.yml")
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    assert live() == before
    assert re.search(r"changed=0\s", result.stdout[result.stdout.rindex("PLAY RECAP"):]), result.stdout[-3000:]
    # The tag moves to another image (new code): the next deploy pulls it and puts it live.
    on_host(host, "sed -i 's/^[0-9.]*$/9.9.9/' /root/depot-src/demo/VERSION && DOCKER_BUILDKIT=0 docker build -q --network host -t lab/depot-build:1 /root/depot-src")
    push(host, "1")
    result = ansible_playbook(*deploy, playbook=REPO / "playbooks" / "deploy.yml")
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    after = live()
    assert after["depot"] != before["depot"] and after["kiosk"] == before["kiosk"] and after["store"] == before["store"]
    (depot,) = [a for a in images["apps"] if a["name"] == "depot"]
    assert fetch_app(host, depot, "/health").json()["version"] == "9.9.9"
    assert REGISTRY_PASSWORD not in result.stdout + result.stderr


def test_removed_they_leave_no_container_image_nor_data(host, images, raw_apps):
    result = remove(images, raw_apps)
    assert result.returncode == 0, result.output[-3000:]
    for app in images["apps"]:
        assert not host.check_output(f"docker ps -a -q --filter label=flaskstack.app={app['name']}"), app["name"]
        assert not host.check_output(f"docker image ls -q --filter label=flaskstack.app={app['name']}"), app["name"]
        assert not host.file(app["base_dir"]).exists and not host.file(app["config_dir"]).exists
        assert not host.user(app["user"]).exists
        if app["image_archive_copy"]:
            assert not host.file(app["image_archive_copy"]).exists, "the copy of its image archive stayed"
