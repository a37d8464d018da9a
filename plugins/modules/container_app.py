#!/usr/bin/python
# Copyright: contributors to flaskstack.deploy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run each application's live release in a container, blue/green."""

from __future__ import annotations

DOCUMENTATION = r"""
module: container_app
author: flaskstack.deploy contributors
version_added: "0.3.0"
short_description: Run the live release of applications in containers, switching blue/green
description:
  - With O(state=live), each application of O(apps) runs the release its C(current) link points at, in a container
    of that release's image (C(flaskstack/NAME:ID)) with its settings (C(container.env)), its app server's command and
    configuration files, the security options and limits of O(settings).
  - A new container (a new release, new settings, a new configuration) starts beside the live one, on a unix socket of
    its own, and must answer the application's health path with 200, naming its release, before the link the web
    server connects through (C(/srv/flaskstack/NAME/app.sock)) is renamed to point at it. Then the old containers get
    their stop signal (the app server finishes the requests in flight, up to the stop timeout) and are removed.
    A container that does not start or answer in O(timeout) seconds is removed and the task fails; the live one keeps serving.
  - With O(state=pruned), the images of each application whose release is no longer on the host (a directory with its
    marker under C(releases/)) are removed, and so are the environment images no remaining release image uses.
  - With O(state=absent), every container, image and socket of the applications is removed, and the copy of an
    application's image archive (the image loaded from it stays in the engine's store).
  - Runs the C(docker) command on the host, as root.
options:
  apps:
    description:
      - The applications, entries of P(flaskstack.deploy.app_layouts#filter) of the container runtime; with O(state=live),
        with V(command) and V(config_files), the app server's command in the container and the files it reads on the host
        (mounted read-only), V(protocol), what it speaks on its socket (V(http) or V(uwsgi)), and V(stop_timeout), the
        seconds it needs to finish its requests, as P(flaskstack.deploy.container_run#filter) gives them.
    type: list
    elements: dict
    required: true
  state:
    description: What to do.
    type: str
    choices: [live, pruned, absent]
    default: live
  settings:
    description:
      - V(memory), V(pids_limit), V(network), V(stop_timeout), V(socket_group) (see the container role).
      - V(stop_timeout) V(0) (or none) leaves each application's to its app server (V(stop_timeout) in O(apps)).
    type: dict
    default: {}
  timeout:
    description: Seconds a new container has to answer its health check.
    type: int
    default: 60
  fail_after:
    description: Unhealthy answers in a row from a new container after which it is given up at once.
    type: int
    default: 3
attributes:
  check_mode:
    support: full
    details: Reports the containers a real run would start or remove, and changes nothing.
  diff_mode:
    support: none
"""

EXAMPLES = r"""
- name: Run the live releases in containers
  flaskstack.deploy.container_app:
    apps: "{{ layouts | selectattr('runtime', 'equalto', 'container') | map('flaskstack.deploy.container_run', servers) }}"
    settings: {memory: 512m, pids_limit: 256, network: bridge, stop_timeout: 35, socket_group: www-data}
"""

RETURN = r"""
live:
  description: Per application name, the container that serves it.
  type: dict
  returned: state=live
started:
  description: The containers started.
  type: list
  elements: str
  returned: always
removed:
  description: The containers and images removed.
  type: list
  elements: str
  returned: always
"""

import grp
import hashlib
import http.client
import json
import os
import pwd
import shutil
import socket
import subprocess
import threading
import time

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.flaskstack.deploy.plugins.module_utils import containers, releases


class Failed(Exception):
    """A step that failed, with what to tell the user."""


def docker(*args, check=True):
    done = subprocess.run(["docker", *args], stdin=subprocess.DEVNULL, capture_output=True, check=False)
    out, err = done.stdout.decode("utf-8", "replace"), done.stderr.decode("utf-8", "replace")
    if check and done.returncode != 0:
        raise Failed(f"docker {' '.join(args[:2])} failed (exit {done.returncode}): {err.strip() or out.strip()}")
    return done.returncode, out, err


def app_containers(name):
    """{container name: state} of an application's containers."""
    _, out, _ = docker("ps", "--all", "--filter", f"label={containers.LABEL_APP}={name}", "--format", "{{.Names}} {{.State}}")
    found = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 2:
            found[parts[0]] = parts[1]
    return found


def file_digest(path):
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            digest.update(handle.read())
    except FileNotFoundError:
        return ""
    return digest.hexdigest()


def link_target(path):
    try:
        return os.readlink(path)
    except OSError:
        return ""


def live_container(app):
    """The container the web server's link points at ("" when none)."""
    target = link_target(app["socket_path"])
    parts = target.split("/")
    return parts[-2] if len(parts) >= 2 else ""


class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path, timeout):
        super().__init__("localhost", timeout=timeout)
        self.path = path

    def connect(self):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        sock.connect(self.path)
        self.sock = sock


def ask(socket_path, protocol, request):
    """The answer to one request over a unix socket, in the app server's protocol
    (HTTP, or uwsgi, whose answer is an HTTP response): (status, body, release named)."""
    if protocol == "uwsgi":
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(5)
        try:
            sock.connect(socket_path)
            sock.sendall(containers.uwsgi_packet(request["path"], request["headers"]))
            answer = http.client.HTTPResponse(sock)
            answer.begin()
            body = answer.read(300)
            return answer.status, body, answer.getheader("X-Flaskstack-Release", "")
        finally:
            sock.close()
    conn = UnixHTTPConnection(socket_path, timeout=5)
    try:
        conn.request("GET", request["path"], headers=request["headers"])
        answer = conn.getresponse()
        return answer.status, answer.read(300), answer.getheader("X-Flaskstack-Release", "")
    finally:
        conn.close()


def health(app, socket_path, release):
    """(ok, what it answered, whether the release answered) of one health
    request over a container's socket, as the web server would send it."""
    try:
        status, body, named = ask(socket_path, app.get("protocol") or "http", containers.health_request(app))
    except (OSError, http.client.HTTPException) as exc:
        return False, str(exc), False
    if status == 200 and named == release:
        return True, "", True
    return False, f"{status} from release {named or 'unknown'}: {body.decode('utf-8', 'replace').strip()}", named == release


def remove_container(app, name, settings):
    """Stop a container (its app server finishes the requests in flight) and remove it and its socket directory."""
    docker("stop", "--time", str(containers.stop_timeout(app, settings)), name, check=False)
    docker("rm", "--force", name, check=False)
    shutil.rmtree(f"{app['sockets_dir']}/{name}", ignore_errors=True)


def spec_of(app, params, release):
    image = containers.image_names(app["name"], release, "")["release"]
    rc, out, _ = docker("image", "inspect", "--format", "{{.Id}}", image, check=False)
    if rc != 0:
        raise Failed(f"{app['name']}: the image {image} of its live release is not on the host; deploy it again (site.yml or deploy.yml).")
    files = list(app.get("config_files") or [])
    return {
        "image": image,
        "image_id": out.strip(),
        "release": release,
        "command": list(app.get("command") or []),
        "env": file_digest(app["container_env_file"]),
        "config_files": files,
        "config_digests": [file_digest(f) for f in files],
        "settings": dict({k: params["settings"].get(k) for k in ("memory", "pids_limit", "network")},
                         stop_timeout=containers.stop_timeout(app, params["settings"])),
    }


def make_live(module, app, report):
    """Start the container for the live release when it does not run yet; switch to it; remove the others."""
    params = module.params
    settings = params["settings"]
    release = os.path.basename(link_target(app["current_link"]).rstrip("/"))
    if not release:
        raise Failed(f"{app['name']}: no live release (current) to run.")
    spec = spec_of(app, params, release)
    if not spec["command"]:
        raise Failed(f"{app['name']}: its app server ({app['app_server']}) gave no command to run it in a container.")
    name = containers.container_name(app["name"], spec)
    found = app_containers(app["name"])
    live = live_container(app)
    others = sorted(n for n in found if n != name)
    if live == name and found.get(name) == "running":
        if others and not module.check_mode:
            for other in others:
                remove_container(app, other, settings)
        report["removed"].extend(others)
        report["live"][app["name"]] = name
        return
    report["started"].append(name)
    report["live"][app["name"]] = name
    report["removed"].extend(others)
    if module.check_mode:
        return
    if name in found:
        docker("rm", "--force", name, check=False)
    socket_dir = f"{app['sockets_dir']}/{name}"
    os.makedirs(app["sockets_dir"], mode=0o755, exist_ok=True)
    shutil.rmtree(socket_dir, ignore_errors=True)
    os.mkdir(socket_dir)
    os.chown(socket_dir, pwd.getpwnam(app["user"]).pw_uid, grp.getgrnam(settings["socket_group"]).gr_gid)
    os.chmod(socket_dir, 0o2750)
    docker(*containers.run_argv(app, spec, name, settings)[1:])
    socket_path = f"{socket_dir}/{containers.SOCKET_NAME}"
    started = time.monotonic()
    deadline = started + params["timeout"]
    said = "no answer yet"
    unhealthy = 0
    while True:
        _, state, _ = docker("inspect", "--format", "{{.State.Status}} {{.RestartCount}}", name, check=False)
        status, _, restarts = state.strip().partition(" ")
        if os.path.exists(socket_path):
            ok, said, answered = health(app, socket_path, release)
            if ok:
                break
            # As the health gate: answers of the new release that are not 200, in a row.
            unhealthy = unhealthy + 1 if answered else 0
        stopped = status not in ("created", "running") or restarts not in ("", "0")
        gave_up = unhealthy >= params["fail_after"]
        if stopped or gave_up or time.monotonic() > deadline:
            _, logs, logs_err = docker("logs", "--tail", "30", name, check=False)
            docker("rm", "--force", name, check=False)
            shutil.rmtree(socket_dir, ignore_errors=True)
            if stopped:
                what = "stopped"
            elif gave_up:
                what = (
                    f"did not pass its health check before any traffic: {unhealthy} unhealthy answers in a row,"
                    f" given up after {time.monotonic() - started:.1f} s"
                )
            else:
                what = f"did not pass its health check in {params['timeout']} s"
            serving = f"the container {live} keeps serving" if live else "no container was live yet"
            raise Failed(
                f"{app['name']}: the new container for release {release} {what} (GET"
                f" {app['forwarded_prefix']}{app['health_path']}: {said}) -- nothing was switched: {serving}."
                f" Its last output: {(logs + logs_err).strip()[-2000:]}"
            )
        time.sleep(0.2)
    # The link the web server connects through, renamed over: new connections go to the new container.
    base = os.path.dirname(app["socket_path"])
    relative = os.path.relpath(socket_path, base)
    temporary = app["socket_path"] + ".next"
    if os.path.lexists(temporary):
        os.unlink(temporary)
    os.symlink(relative, temporary)
    os.replace(temporary, app["socket_path"])
    for other in others:
        remove_container(app, other, settings)


def kept_releases(app):
    """The finished releases of an application on the host (those with their marker)."""
    try:
        names = os.listdir(app["releases_dir"])
    except OSError:
        return set()
    return {n for n in names if os.path.exists(os.path.join(app["releases_dir"], n, releases.RELEASE_MARKER))}


def prune(module, app, report):
    keep = kept_releases(app)
    _, out, _ = docker(
        "image", "ls", "--filter", f"label={containers.LABEL_APP}={app['name']}",
        "--format", '{{.Repository}}:{{.Tag}} {{.ID}}',
    )  # fmt: skip
    images = [line.split() for line in out.splitlines() if len(line.split()) == 2]
    labels = {}
    for tag, _ in images:
        _, out, _ = docker("image", "inspect", "--format", "{{json .Config.Labels}}", tag, check=False)
        labels[tag] = json.loads(out or "{}") or {}
    doomed = containers.images_to_prune(labels, keep)
    report["removed"].extend(doomed)
    if not module.check_mode:
        for tag in doomed:
            docker("image", "rm", tag, check=False)


def absent(module, app, report):
    app = dict(app, sockets_dir=app.get("sockets_dir") or f"{app['base_dir']}/sockets",
               socket_path=app.get("socket_path") or f"{app['base_dir']}/{containers.SOCKET_NAME}")  # fmt: skip
    found = app_containers(app["name"])
    report["removed"].extend(sorted(found))
    _, out, _ = docker("image", "ls", "--filter", f"label={containers.LABEL_APP}={app['name']}", "--format", "{{.Repository}}:{{.Tag}}")
    images = [i for i in out.split() if i]
    report["removed"].extend(images)
    if module.check_mode:
        return
    for name in found:
        remove_container(app, name, module.params["settings"])
    for image in images:
        docker("image", "rm", image, check=False)
    shutil.rmtree(app["sockets_dir"], ignore_errors=True)
    # The copy of its image archive (the image it loaded stays in the engine's store).
    if os.path.exists(containers.archive_copy(app["name"])):
        os.unlink(containers.archive_copy(app["name"]))
    # The web server's path to the container's socket is a link; a socket file
    # there is another app server's (the application moved to it), and stays.
    if os.path.islink(app["socket_path"]):
        os.unlink(app["socket_path"])


def main():
    module = AnsibleModule(
        argument_spec={
            "apps": {"type": "list", "elements": "dict", "required": True},
            "state": {"type": "str", "choices": ["live", "pruned", "absent"], "default": "live"},
            "settings": {"type": "dict", "default": {}},
            "timeout": {"type": "int", "default": 60},
            "fail_after": {"type": "int", "default": 3},
        },
        supports_check_mode=True,
    )
    if shutil.which("docker") is None:
        if module.params["state"] in ("absent", "pruned") or module.check_mode:
            module.exit_json(changed=False, started=[], removed=[], live={})
        module.fail_json(msg="the docker command is not on this host: run site.yml (the container role installs the engine).")
    action = {"live": make_live, "pruned": prune, "absent": absent}[module.params["state"]]
    report = {"started": [], "removed": [], "live": {}}
    errors = []
    lock = threading.Lock()

    def one(app):
        mine = {"started": [], "removed": [], "live": {}}
        try:
            action(module, app, mine)
        except Failed as exc:
            with lock:
                errors.append(str(exc))
        with lock:
            report["started"].extend(mine["started"])
            report["removed"].extend(mine["removed"])
            report["live"].update(mine["live"])

    threads = [threading.Thread(target=one, args=(app,)) for app in module.params["apps"]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    changed = bool(report["started"] or report["removed"])
    if errors:
        module.fail_json(msg=" ".join(errors), changed=changed, **report)
    module.exit_json(changed=changed, **report)


if __name__ == "__main__":
    main()
