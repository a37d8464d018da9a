"""Bad input stops the play at its first checks, before anything on the host changes.

Each case overrides variables on the command line against the converged
instance of this scenario and expects a message that names the variable and
the allowed values.
"""

import json
import os
import pathlib
import re
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[3] / "tests" / "integration"))
from stacklib import REPO, ansible_playbook  # noqa: E402

# Bad input is refused on the controller, before anything reaches the host:
# the same whatever the host's distribution, so checked on the first
# distribution of the run only.
pytestmark = pytest.mark.skipif(
    os.environ.get("MOLECULE_DISTRO", "bookworm") != (os.environ.get("FLASKSTACK_DISTROS") or "bookworm").split()[0],
    reason="decided on the controller: checked on the run's first distribution",
)

APP = {"name": "demo", "source": {"path": "/nonexistent"}, "entry_point": "demo:create_app()"}
LAB_TLS = pathlib.Path(os.environ.get("MOLECULE_EPHEMERAL_DIRECTORY", "/nonexistent")) / "lab-tls"

CASES = {
    "unknown app server": (
        {"flaskstack_app_server": "tomcat"},
        "flaskstack_app_server: 'tomcat' is not an app server; choose one of: gunicorn, uwsgi, mod_wsgi",
    ),
    "unknown web server": (
        {"flaskstack_web_server": "caddy"},
        "flaskstack_web_server: 'caddy' is not a web server; choose one of: nginx, apache",
    ),
    "two apps on one loopback port": (
        {"flaskstack_app_server": "mod_wsgi", "flaskstack_apps": [
            {"name": "demo", "source": {"path": "/tmp"}, "entry_point": "demo:app", "backend_port": 21000},
            {"name": "blog", "source": {"path": "/tmp"}, "entry_point": "demo:app", "backend_port": 21000}]},
        "the app servers of 'demo' and 'blog' would both listen on port 21000; set backend_port for one of them",
    ),
    "missing app source": (
        {"flaskstack_apps": [{"name": "demo", "entry_point": "demo:app"}]},
        "flaskstack_apps[0] (demo).source is missing: give either {path: DIR}",
    ),
    "invalid entry point": (
        {"flaskstack_apps": [dict(APP, entry_point="demo.create_app")]},
        "flaskstack_apps[0] (demo).entry_point: 'demo.create_app' is not a WSGI entry point; use 'module:app' or 'module:create_app()'",
    ),
    "port out of range": (
        {"flaskstack_apps": [dict(APP, port=70000)]},
        "flaskstack_apps[0] (demo).port: 70000 is out of range; use a whole number from 1 to 65535",
    ),
    "entry without a name": (
        {"flaskstack_apps": [{"source": {"path": "/srv"}, "entry_point": "demo:app"}]},
        "flaskstack_apps[0].name is missing",
    ),
    "unknown tls key": (
        {"flaskstack_apps": [dict(APP, tls={"cert": "x"})]},
        "flaskstack_apps[0] (demo).tls: unknown key(s) 'cert'; allowed keys: certificate, private_key",
    ),
    "certificate that does not match its key": (
        {"flaskstack_apps": [dict(APP, tls={"certificate_file": str(LAB_TLS / "demo.crt"), "private_key_file": str(LAB_TLS / "ca.key")})]},
        "demo: the certificate given in tls does not match its private key; nothing was changed.",
    ),
    "container runtime with mod_wsgi": (
        {"flaskstack_app_server": "mod_wsgi", "flaskstack_app_runtime": "container", "flaskstack_apps": [APP]},
        "flaskstack_apps[0] (demo): the container runtime does not run mod_wsgi",
    ),
    "unknown runtime": (
        {"flaskstack_app_runtime": "podman"},
        "flaskstack_app_runtime: 'podman' is not a runtime; choose one of: virtualenv, container",
    ),
    "invalid base image": (
        {"flaskstack_apps": [dict(APP, runtime="container", image={"base": "Python:3"})]},
        "flaskstack_apps[0] (demo).image.base: 'Python:3' is not an image reference",
    ),
    "invalid image reference": (
        {"flaskstack_apps": [{"name": "shop", "runtime": "container", "entry_point": "shop:app", "image": {"reference": "Registry.example/Shop:1 2"}}]},
        "flaskstack_apps[0] (shop).image.reference: 'Registry.example/Shop:1 2' is not an image reference",
    ),
    "image archive that does not exist": (
        {"flaskstack_apps": [{"name": "shop", "runtime": "container", "entry_point": "shop:app", "image": {"archive": "/nonexistent/shop.tar"}}]},
        "flaskstack_apps[0] (shop).image.archive: '/nonexistent/shop.tar' is not a file on the controller",
    ),
    "a Dockerfile the code does not have": (
        {"flaskstack_apps": [dict(APP, runtime="container", source={"path": str(REPO / "examples" / "demo_app")}, image={"dockerfile": "Dockerfile"})]},
        f"flaskstack_apps[0] (demo).image.dockerfile: the code ({REPO / 'examples' / 'demo_app'}) has no file 'Dockerfile'.",
    ),
    "container memory limit out of range": (
        {"container_memory": "1m"},
        "container_memory: '1m' is below Docker's least memory limit, 6m.",
    ),
    "container process limit out of range": (
        {"container_pids_limit": 2},
        "container_pids_limit: 2 must be a whole number from 16 to 1000000.",
    ),
    "engine on TCP": (
        {"container_daemon_settings": {"hosts": ["tcp://0.0.0.0:2375"]}},
        'container_daemon_settings: "hosts" is not allowed: the engine listens on its unix socket only (never on TCP).',
    ),
    "role variable of the wrong type": (
        {"gunicorn_timeout": "soon"},
        "gunicorn_timeout",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_stops_before_any_change(case):
    extra_vars, message = CASES[case]
    result = ansible_playbook("-e", json.dumps(extra_vars))
    output = result.stdout + result.stderr
    assert result.returncode != 0, output[-2000:]
    assert message in output, output[-3000:]
    recap = output[output.rindex("PLAY RECAP"):]
    assert re.search(r"changed=0\s", recap), recap
    # The failure comes from the checks that run before every role.
    first_failure = re.search(r"^(fatal|failed): \[", output, re.M).start()
    failed_task = re.findall(r"TASK \[([^\]]+)\]", output[:first_failure])[-1]
    assert "Check" in failed_task or "Validating arguments" in failed_task, failed_task
