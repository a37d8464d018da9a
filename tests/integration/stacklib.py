"""Helpers for the verifier suite that every pairing scenario runs.

Expectations come from the scenario's own inventory (flaskstack_apps and the
pairing) and from the collection's layout filter, the one place where derived
names (users, sockets, units) are computed.
"""

import json
import os
import pathlib
import shlex
import subprocess
import sys
import time

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
# The collection as Ansible imports it (collections/ holds a link to this checkout).
sys.path.insert(0, str(REPO / "collections"))

from ansible_collections.flaskstack.deploy.plugins.module_utils import layout  # noqa: E402

# testinfra reads the scenario's inventory with ansible-inventory, whose output
# (every variable, secrets included) would otherwise go to the scenario's
# ansible.log, where test_security.py looks for secrets the collection printed.
# The playbook runs of the tests still log there (ansible_playbook).
os.environ["ANSIBLE_LOG_PATH"] = os.devnull

WEB_SERVER_GROUP = {"nginx": "www-data", "apache": "www-data"}


class Response:
    """An HTTP response read with curl on the lab host."""

    def __init__(self, raw):
        head, _, self.body = raw.partition("\r\n\r\n")
        lines = head.split("\r\n")
        self.status = int(lines[0].split()[1])
        self.headers = {}
        for line in lines[1:]:
            key, _, value = line.partition(":")
            self.headers[key.strip().lower()] = value.strip()

    def json(self):
        return json.loads(self.body)


# The app role's task that writes each application's settings and secrets.
SETTINGS_TASK = "flaskstack.deploy.app : Write the directories, settings and secrets of the applications"


def runs_that_wrote(output, path):
    """The runs of SETTINGS_TASK in an ansible-playbook output (at -v or more)
    that changed, or in check mode would change, the file at path."""
    return [
        chunk for chunk in output.split("TASK [")
        if chunk.startswith(SETTINGS_TASK + "]") and "changed: [" in chunk and path in chunk
    ]  # fmt: skip


def curl_command(path, server_name="localhost", port=80, headers=None, scheme="http", address="127.0.0.1", method="GET"):
    """curl on the lab host for SERVER_NAME (resolved to ADDRESS, 127.0.0.1 by
    default, so that the Host header and TLS's SNI carry the name), through the
    web server. The certificate is not checked here;
    tests/integration/test_security.py does."""
    args = ["curl", "-sS", "-i", "--max-time", "20", "--insecure", "--resolve", f"{server_name}:{port}:{address}"]
    if method != "GET":
        args += ["-X", method]
    for key, value in (headers or {}).items():
        args += ["-H", f"{key}: {value}"]
    args.append(f"{scheme}://{server_name}:{port}{path}")
    return " ".join(shlex.quote(a) for a in args)


def fetch(host, path, server_name="localhost", port=80, headers=None, scheme="http", address="127.0.0.1", method="GET"):
    """Request a URL from inside the lab host, through the web server."""
    result = host.run(curl_command(path, server_name, port, headers, scheme, address, method))
    assert result.rc == 0, result.stderr
    return Response(result.stdout)


def app_endpoint(app):
    """Where an application answers: (scheme, port); HTTPS when it has TLS."""
    return ("https", app["tls_port"]) if app["tls"] else ("http", app["port"])


def fetch_app(host, app, path, server_name=None, headers=None, address="127.0.0.1", method="GET"):
    """Request PATH from an application, over HTTPS when it has TLS (from ADDRESS
    of the lab host: loopback by default)."""
    scheme, port = app_endpoint(app)
    return fetch(host, path, server_name or app["server_names"][0], port, headers, scheme, address, method)


def assert_socket_for_web_server_only(host, app, web_group):
    """The app's socket: root:<web_group> 0660 (in a container: a link to the
    live container's socket, in a directory of the app's user and <web_group>,
    2750); the web server's user connects, nobody else does."""
    if app["runtime"] == "container":
        assert host.file(app["socket_path"]).is_symlink
        real = host.check_output(f"readlink -f {app['socket_path']}")
        assert host.file(real).is_socket, real
        directory = host.file(real.rsplit("/", 1)[0])
        assert (directory.user, directory.group, directory.mode) == (app["user"], web_group, 0o2750)
    else:
        sock = host.file(app["socket_path"])
        assert sock.is_socket
        assert (sock.user, sock.group, sock.mode) == ("root", web_group, 0o660)
    connect = f"import socket; socket.socket(socket.AF_UNIX).connect({app['socket_path']!r})"
    other = host.run(f"runuser -u nobody -- python3 -c {shlex.quote(connect)}")
    assert other.rc != 0
    assert "PermissionError" in other.stderr, other.stderr
    assert host.run(f"runuser -u {web_group} -- python3 -c {shlex.quote(connect)}").rc == 0


def assert_port_for_web_server_only(host, app, web_user):
    """The app's loopback TCP port (an app server that cannot listen on a unix
    socket): only on 127.0.0.1; the web server's user connects, another local
    user (root included) is refused."""
    port = app["backend_port"]
    listeners = host.check_output(f"ss -Htln 'sport = :{port}'")
    assert listeners and all(line.split()[3] == f"127.0.0.1:{port}" for line in listeners.splitlines()), listeners
    connect = f"import socket; socket.create_connection(('127.0.0.1', {port}), 5).close()"
    for other in ("nobody", "root"):
        refused = host.run(f"runuser -u {other} -- python3 -c {shlex.quote(connect)}")
        assert refused.rc != 0 and "ConnectionRefusedError" in refused.stderr, (other, refused.stderr)
    allowed = host.run(f"runuser -u {web_user} -- python3 -c {shlex.quote(connect)}")
    assert allowed.rc == 0, allowed.stderr


def assert_still_serving(host, service, check_command, master, apps):
    """After a rejected configuration: it still passes the server's own check, the
    same master process runs, and every application answers through the server."""
    check = host.run(check_command)
    assert check.rc == 0, check.stderr
    assert host.service(service).is_running
    assert host.check_output(f"systemctl show -p MainPID --value {service}") == master
    for app in apps:
        response = fetch_app(host, app, app["url_prefix"])
        assert response.status == 200
        assert response.headers.get("x-served-by") == "flask"


def app_pids(host, app):
    """The processes that run as the application's user."""
    out = host.run(f"pgrep -u {app['user']}").stdout
    pids = [int(p) for p in out.split()]
    assert pids, f"no process runs as {app['user']}"
    return pids


def listeners_of(host, app, pid):
    """The listening TCP and UDP sockets a process of the app sees (ss -Htulnp):
    the host's, or in a container its own network namespace's."""
    if app["runtime"] == "container":
        return host.check_output(f"nsenter --target {pid} --net ss -Htulnp").splitlines()
    return host.check_output("ss -Htulnp").splitlines()


def app_is_enabled_at_boot(host, app):
    """Whether the app starts at boot: its unit enabled, or its container with a restart policy and running."""
    if app["runtime"] == "container":
        names = host.check_output(f"docker ps --filter label=flaskstack.app={app['name']} --format '{{{{.Names}}}}'").split()
        policies = [host.check_output(f"docker inspect -f '{{{{.HostConfig.RestartPolicy.Name}}}}' {n}") for n in names]
        return len(names) == 1 and policies == ["unless-stopped"]
    return host.service(app["service_unit"]).is_enabled


def live_container(host, app):
    """The name of the one container that runs an application of the container runtime."""
    names = host.check_output(f"docker ps --filter label=flaskstack.app={app['name']} --format '{{{{.Names}}}}'").split()
    assert len(names) == 1, f"{app['name']}: {len(names)} running containers"
    return names[0]


def inspect(host, name):
    """What the lab host's Docker engine says of a container or an image."""
    return json.loads(host.check_output(f"docker inspect {name}"))[0]


def service_pids(host, unit):
    """The main process of a systemd unit and its children."""
    main = int(host.check_output(f"systemctl show -p MainPID --value {unit}"))
    assert main > 0, f"{unit} is not running"
    children = host.check_output(f"ps -o pid= --ppid {main} || true").split()
    return [main] + [int(p) for p in children]


def ansible_playbook(*args, playbook=None, env_update=None):
    """Run ansible-playbook against the scenario's instance with Molecule's inventory and settings."""
    env = dict(os.environ, **(env_update or {}))
    env.pop("ANSIBLE_LOG_PATH", None)
    ephemeral = env["MOLECULE_EPHEMERAL_DIRECTORY"]
    env.setdefault("ANSIBLE_CONFIG", os.path.join(ephemeral, "ansible.cfg"))
    env["ANSIBLE_COLLECTIONS_PATH"] = str(REPO / "collections")
    env["ANSIBLE_NOCOLOR"] = "1"
    # Molecule's converges run at -vvv (ansible.cfg); the tests' own runs at the
    # usual verbosity unless they ask for more.
    env["ANSIBLE_VERBOSITY"] = "0"
    env["ANSIBLE_FORCE_COLOR"] = "0"
    cmd = ["ansible-playbook", "-i", env["MOLECULE_INVENTORY_FILE"], str(playbook or REPO / "playbooks" / "site.yml"), *args]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, check=False, timeout=900)


def restart_container(host):
    """Restart the lab container (a reboot of the VM it stands for) and wait for systemd."""
    name = host.backend.get_hostname()
    subprocess.run(["docker", "restart", "-t", "20", name], check=True, capture_output=True, timeout=120)
    deadline = time.time() + 120
    while time.time() < deadline:
        state = subprocess.run(
            ["docker", "exec", name, "systemctl", "is-system-running"], capture_output=True, text=True, check=False
        ).stdout.strip()
        if state in ("running", "degraded"):
            return
        time.sleep(1)
    raise AssertionError(f"{name} did not finish booting: {state}")


# Fixtures: what the scenario's inventory asks for. Test modules import them
# (conftest.py does for the shared suite) so that every scenario reads it alike.
@pytest.fixture(scope="module")
def hostvars(host):
    return host.ansible.get_variables()


@pytest.fixture(scope="module")
def pairing(hostvars):
    return hostvars.get("flaskstack_app_server", "gunicorn"), hostvars.get("flaskstack_web_server", "nginx")


@pytest.fixture(scope="module")
def raw_apps(hostvars):
    return hostvars["flaskstack_apps"]


@pytest.fixture(scope="module")
def apps(raw_apps, pairing, hostvars):
    return layout.app_layouts(raw_apps, app_server=pairing[0], web_server=pairing[1], runtime=hostvars.get("flaskstack_app_runtime"))


@pytest.fixture(scope="module")
def web_group(pairing):
    return WEB_SERVER_GROUP[pairing[1]]


class Load:
    """Bounded load on applications from inside the lab host while a block runs
    (tests/integration/loadgen.py, one generator per application, side by side:
    page requests from several clients, each on a new connection, health-path
    requests from one, and two slow requests always in flight). After the block,
    .results holds what each application's clients saw, by name (.result when
    there is one application)."""

    SCRIPT = "/root/flaskstack-loadgen.py"

    def __init__(self, host, apps, warmup=1.5, slow_seconds=4, finish_slow=False):
        self.container = host.backend.get_hostname()
        self.apps = [apps] if isinstance(apps, dict) else list(apps)
        self.warmup = warmup
        self.slow_seconds = slow_seconds
        self.finish_slow = finish_slow
        # At most 20 page requests a second in all, whatever the number of
        # applications, and a health client per application at the same pace:
        # each application is still asked several times a second, and the CPU
        # stays with the deploy measured (over HTTPS a request costs the lab
        # host about 10 ms of CPU).
        self.clients = max(1, 4 // len(self.apps))
        self.pause = round(self.clients * len(self.apps) / 20, 3)
        self.results = {}

    def _files(self, app):
        return f"/root/loadgen-{app['name']}.stop", f"/root/loadgen-{app['name']}.json"

    def _command(self, app):
        scheme, port = app_endpoint(app)
        stop, out = self._files(app)
        return [
            "python3", self.SCRIPT,
            *(["--tls"] if scheme == "https" else []),
            *(["--finish-slow"] if self.finish_slow else []),
            "--clients", str(self.clients),
            "--pause", str(self.pause),
            "--port", str(port),
            "--host", app["server_names"][0],
            "--path", app["url_prefix"],
            "--slow-path", app["url_prefix"] + "slow",
            "--slow-seconds", str(self.slow_seconds),
            "--health-path", app["url_prefix"].rstrip("/") + app["health_path"],
            "--duration", "400",
            "--stop-file", stop,
            "--out", out,
        ]  # fmt: skip

    def __enter__(self):
        subprocess.run(
            ["docker", "cp", str(REPO / "tests" / "integration" / "loadgen.py"), f"{self.container}:{self.SCRIPT}"],
            check=True,
            capture_output=True,
            timeout=60,
        )
        files = " ".join(shlex.quote(f) for app in self.apps for f in self._files(app))
        generators = " ".join(shlex.join(self._command(app)) + " &" for app in self.apps)
        subprocess.run(
            ["docker", "exec", "-d", self.container, "sh", "-c", f"rm -f {files}; {generators} wait"],
            capture_output=True, text=True, check=True, timeout=60,
        )  # fmt: skip
        time.sleep(self.warmup)
        return self

    def __exit__(self, *exc):
        time.sleep(1)
        # One exec that stops the load and waits on the lab host for every result
        # (a docker exec per poll would cost the deploys measured more CPU).
        stops = " ".join(shlex.quote(self._files(app)[0]) for app in self.apps)
        outs = [self._files(app)[1] for app in self.apps]
        waits = " && ".join(f"[ -e {shlex.quote(o)} ]" for o in outs)
        cats = "; ".join(f"cat {shlex.quote(o)}; echo" for o in outs)
        out = subprocess.run(
            ["docker", "exec", self.container, "sh", "-c",
             f"touch {stops}; i=0; until {waits} || [ $i -ge 900 ]; do sleep 0.1; i=$((i+1)); done; {cats}"],
            capture_output=True, text=True, check=False, timeout=120,
        )  # fmt: skip
        lines = [line for line in out.stdout.splitlines() if line.strip()]
        if out.returncode != 0 or len(lines) != len(self.apps):
            raise AssertionError(f"the load generators did not finish: {out.stderr}")
        self.results = {app["name"]: json.loads(line) for app, line in zip(self.apps, lines)}
        return False

    @property
    def result(self):
        """What the clients of the only application saw."""
        (only,) = self.results.values()
        return only

    def _of(self, app):
        return self.results[app["name"]] if app else self.result

    def failed(self, kind="failed"):
        """Requests that failed (or, with kind "failed_health", health requests), all applications together."""
        return sum(r[kind] for r in self.results.values())

    def sent(self):
        return sum(r["sent"] for r in self.results.values())

    def versions(self, app=None):
        """The versions an application's page requests saw, in order, with repeats collapsed."""
        seen = []
        for _, status, version in self._of(app)["fast"]:
            if status == 200 and (not seen or seen[-1] != version):
                seen.append(version)
        return seen

    def failure_window(self, kind="health", app=None):
        """Seconds from the first failed answer of the kind's requests ("fast" or
        "health") of an application to the last one (0 when none or one failed)."""
        failed = [r[0] for r in self._of(app)[kind] if r[1] != 200]
        return round(failed[-1] - failed[0], 1) if failed else 0.0

    def summary(self):
        return "; ".join(
            f"{name}: {r['sent']} requests, {r['failed']} failed, in {r['seconds']} s, slowest answer {r.get('slowest', 0)} s; errors: {r['errors'][:5]}"
            for name, r in self.results.items()
        )
