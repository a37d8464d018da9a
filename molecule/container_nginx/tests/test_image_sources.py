"""The two given image sources of the container runtime, beside the image the
collection builds (which every other test of the scenario runs): an image
pulled from a registry that asks for credentials (Debian's docker-registry,
on the lab host, over HTTPS), and a docker save archive on the controller.
Both images are what a user's own build would make: the code, and a python3
with Flask and Gunicorn."""

import json
import pathlib
import re
import shlex
import subprocess
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[3] / "tests" / "integration"))
from stacklib import ansible_playbook, apps, fetch_app, hostvars, layout, pairing, raw_apps  # noqa: E402,F401

REGISTRY = "127.0.0.1:5000"
PASSWORD = "canary-registry-S3cret"


def sh(host, command):
    result = host.run(command)
    assert result.rc == 0, (command, result.stdout[-2000:], result.stderr[-2000:])
    return result.stdout.strip()


def start_registry(host):
    """Debian's docker-registry on the lab host: HTTPS with a certificate the engine trusts, basic auth."""
    sh(host, "DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker-registry apache2-utils openssl >/dev/null")
    sh(host, "mkdir -p /etc/docker/registry/tls /etc/docker/certs.d/127.0.0.1:5000")
    sh(
        host,
        "openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1"
        " -keyout /etc/docker/registry/tls/key.pem -out /etc/docker/registry/tls/cert.pem 2>/dev/null"
        " && cp /etc/docker/registry/tls/cert.pem /etc/docker/certs.d/127.0.0.1:5000/ca.crt",
    )
    sh(host, f"htpasswd -Bbc /etc/docker/registry/htpasswd deploy {shlex.quote(PASSWORD)} 2>/dev/null")
    config = {
        "version": 0.1,
        "storage": {"filesystem": {"rootdirectory": "/var/lib/docker-registry"}},
        "http": {"addr": f"{REGISTRY}", "tls": {"certificate": "/etc/docker/registry/tls/cert.pem", "key": "/etc/docker/registry/tls/key.pem"}},
        "auth": {"htpasswd": {"realm": "flaskstack-lab", "path": "/etc/docker/registry/htpasswd"}},
    }
    sh(host, f"echo {shlex.quote(json.dumps(config))} > /etc/docker/registry/config.yml && systemctl restart docker-registry")
    sh(host, f"for i in $(seq 50); do curl -sk -o /dev/null https://{REGISTRY}/v2/ && exit 0; sleep 0.2; done; exit 1")


def user_image(host, demo):
    """An image as a user's CI would build it: the demo's code in /code, and the
    environment of the demo's live release (python3 with Flask and Gunicorn)."""
    live = host.check_output(f"readlink {demo['current_link']}").rsplit("/", 1)[-1]
    labels = json.loads(host.check_output(f"docker image inspect -f '{{{{json .Config.Labels}}}}' flaskstack/{demo['name']}:{live}"))
    env_dir = f"{demo['envs_dir']}/{labels['flaskstack.env']}"
    sh(host, "rm -rf /tmp/user-image && mkdir -p /tmp/user-image && cp -a " + f"{demo['current_link']}/app/. /tmp/user-image/code/")
    sh(host, f"cd /tmp/user-image/code && for d in {' '.join(demo['shared_dirs'])}; do rm -f $d; done; true")
    dockerfile = (
        f"FROM flaskstack/{demo['name']}-env:{labels['flaskstack.env']}\nCOPY code /code\nWORKDIR /code\n"
        f"ENV PATH={env_dir}/bin:/usr/local/bin:/usr/bin:/bin\n"
    )
    sh(host, f"echo {shlex.quote(dockerfile)} > /tmp/user-image/Dockerfile")
    sh(host, "cd /tmp/user-image && DOCKER_BUILDKIT=0 docker build -q -t flaskstack-lab-user/shop:1 . >/dev/null")


def test_a_pulled_and_a_loaded_image_serve_behind_the_web_server(host, apps, raw_apps, tmp_path):
    demo = apps[0]
    start_registry(host)
    user_image(host, demo)
    # Into the registry, then off the host: the deploy must pull it, with the credentials.
    sh(host, f"echo {shlex.quote(PASSWORD)} | DOCKER_CONFIG=/tmp/push-config docker login -u deploy --password-stdin {REGISTRY} >/dev/null")
    sh(host, f"docker tag flaskstack-lab-user/shop:1 {REGISTRY}/shop:1 && DOCKER_CONFIG=/tmp/push-config docker push -q {REGISTRY}/shop:1 >/dev/null")
    sh(host, f"rm -rf /tmp/push-config && docker rmi -f {REGISTRY}/shop:1 >/dev/null")
    # The archive: docker save on the lab host, fetched to the controller.
    archive = tmp_path / "depot.tar"
    sh(host, "docker tag flaskstack-lab-user/shop:1 flaskstack-lab-user/depot:1 && docker save -o /tmp/depot.tar flaskstack-lab-user/depot:1")
    sh(host, "docker rmi flaskstack-lab-user/shop:1 flaskstack-lab-user/depot:1 >/dev/null")
    subprocess.run(["docker", "cp", f"{host.backend.get_hostname()}:/tmp/depot.tar", str(archive)], check=True, timeout=120)
    given = [
        {"name": "shop", "image": {"reference": f"{REGISTRY}/shop:1"}, "entry_point": "demo:create_app()", "server_names": ["shop.test"],
         "static_dir": "demo/static", "tls": False, "env": {"DEMO_GREETING": "Hello from a registry", "DEMO_NAME": "shop"}},
        {"name": "depot", "image": {"archive": str(archive)}, "entry_point": "demo:create_app()", "server_names": ["depot.test"],
         "static_dir": "demo/static", "tls": False, "env": {"DEMO_GREETING": "Hello from an archive", "DEMO_NAME": "depot"}},
    ]  # fmt: skip
    extra = tmp_path / "given.json"
    extra.write_text(json.dumps({"flaskstack_apps": raw_apps + given,
                                 "container_registries": [{"registry": REGISTRY, "username": "deploy", "password": PASSWORD}]}))  # fmt: skip
    result = ansible_playbook("-e", f"@{extra}", "-v")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-4000:]
    assert PASSWORD not in output, "the registry's password was printed"
    try:
        for app in layout.app_layouts(given, runtime="container"):
            response = fetch_app(host, app, "/")
            assert response.status == 200 and response.headers.get("x-served-by") == "flask", response.body
            assert app["env"]["DEMO_GREETING"] in response.body
            static = fetch_app(host, app, "/static/hello.txt")
            assert static.status == 200 and "x-served-by" not in static.headers, "the static file came from the application"
            whoami = fetch_app(host, app, "/whoami").json()
            assert whoami["user"] == app["name"]
            # The release's image is the given one with the collection's entry point on top.
            live = host.check_output(f"readlink {app['current_link']}").rsplit("/", 1)[-1]
            assert host.check_output(f"docker image inspect -f '{{{{.Config.User}}}}' flaskstack/{app['name']}:{live}") != "0:0"
        # No credentials stay on the host.
        assert "5000" not in host.run("cat /root/.docker/config.json").stdout
        # A second run changes nothing: the same images name the same releases.
        again = ansible_playbook("-e", f"@{extra}")
        assert again.returncode == 0, again.stdout[-3000:]
        assert re.search(r"changed=0\s", again.stdout[again.stdout.rindex("PLAY RECAP"):]), again.stdout[-3000:]
    finally:
        gone = tmp_path / "gone.json"
        gone.write_text(json.dumps({"flaskstack_apps": raw_apps + [{"name": a["name"], "state": "absent", "keep_data": False} for a in given]}))
        removed = ansible_playbook("-e", f"@{gone}")
        assert removed.returncode == 0, removed.stdout[-3000:]
    for name in ("shop", "depot"):
        assert host.check_output(f"docker ps -a --filter label=flaskstack.app={name} -q") == ""
        assert host.check_output(f"docker image ls -q --filter label=flaskstack.app={name}") == ""
