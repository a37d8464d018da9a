# Copyright: contributors to flaskstack.deploy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The container runtime: an application's release as a container image, run
by the host's Docker engine behind the same web server.

A release of an application in a container is the same directory as any other
release (/srv/flaskstack/NAME/releases/ID: the code and the WSGI entry point)
and an image made from it, flaskstack/NAME:ID, on top of its dependency
environment's image, flaskstack/NAME-env:ENV (a virtualenv with the
requirements and the app server, on the base image). Both images keep the
host's layout: the release at the same path, "current" a link to it, so that
every path of the application's layout is the same inside the container.

Each container listens on a unix socket in a directory of its own,
/srv/flaskstack/NAME/sockets/CONTAINER/app.sock; the web server connects to
/srv/flaskstack/NAME/app.sock, a link to the live container's socket, so that
renaming a new link over it moves new connections to another container at
once (blue/green), with no reload of the web server.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
import re
import struct
import tarfile

from ansible_collections.flaskstack.deploy.plugins.module_utils import pairings

# Flask puts the instance folder of an installed package at
# sys.prefix/var/NAME-instance: in an environment with the application's
# project installed (install_project), on the host or in an image, "var" is a
# link to the application's shared directory (from envs/ENV), so that the
# instance folder is shared/NAME-instance (a shared_dirs entry).
PROJECT_VAR_LINK = "../../shared"

RUNTIMES = ("virtualenv", "container")
# The app servers that run in a container (the pairing table says which).
APP_SERVERS = tuple(name for name, server in pairings.APP_SERVERS.items() if server["in_container"])
DEFAULT_RUNTIME = "virtualenv"
# The role that serves the applications of the container runtime, whatever their app server.
ROLE = pairings.CONTAINER_ROLE
# Where the socket directory is mounted in the container.
SOCKET_DIR_IN_CONTAINER = "/run/flaskstack"
SOCKET_NAME = "app.sock"
# Where the image archives of applications (image.archive) are copied on the host.
ARCHIVES_DIR = "/var/lib/flaskstack/images"
# What an app server speaks on its socket (its role's entry point "container" says which).
PROTOCOLS = ("http", "uwsgi")
LABEL_APP = "flaskstack.app"
LABEL_RELEASE = "flaskstack.release"
LABEL_ENV = "flaskstack.env"
LABEL_KIND = "flaskstack.kind"
BUILD_DIR = ".flaskstack-build"
# The steps of a release's image build (build_steps), as run_steps reports them.
BUILD_STEPS = ("environment image", "application image", "release image", "static files")
# A reference as Docker reads it: [registry[:port]/]path[:tag][@digest].
IMAGE_REF_RE = re.compile(
    r"^(?:(?P<registry>(?:[A-Za-z0-9-]+\.)*[A-Za-z0-9-]+(?::[0-9]+)?)/)?"
    r"(?P<path>[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*)"
    r"(?::(?P<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?"
    r"(?:@(?P<digest>sha256:[0-9a-f]{64}))?$"
)
MEMORY_RE = re.compile(r"^(?P<number>[1-9][0-9]*)(?P<unit>[bkmg]?)$")
_UNITS = {"": 1, "b": 1, "k": 1024, "m": 1024**2, "g": 1024**3}
# Docker's own least memory limit.
MIN_MEMORY = 6 * 1024**2
PIDS_RANGE = (16, 1_000_000)
NETWORKS = ("bridge", "none", "host")
# Seconds a container has to stop when neither container_stop_timeout nor its app server says.
DEFAULT_STOP_TIMEOUT = 35


class ContainerError(ValueError):
    """A container setting that cannot work (the message says why)."""


def image_reference_problem(reference):
    """Why an image reference is not one Docker can pull (None when it is)."""
    if not isinstance(reference, str) or not reference:
        return "must be an image reference such as registry.example.com/shop:1.4"
    if len(reference) > 255 or not IMAGE_REF_RE.match(reference):
        return (
            f"{reference!r} is not an image reference: [REGISTRY[:PORT]/]PATH[:TAG][@sha256:DIGEST], the path in"
            " lower case (for example registry.example.com/shop:1.4)"
        )
    return None


def memory_bytes(value):
    """A memory limit as Docker takes it ("512m") in bytes; ContainerError when it is not one."""
    match = MEMORY_RE.match(str(value).strip().lower()) if isinstance(value, (str, int)) and not isinstance(value, bool) else None
    if not match:
        raise ContainerError(f"{value!r} is not a memory size: a number with an optional unit b, k, m or g (for example 512m).")
    size = int(match.group("number")) * _UNITS[match.group("unit")]
    if size < MIN_MEMORY:
        raise ContainerError(f"{value!r} is below Docker's least memory limit, 6m.")
    return size


def settings_problems(settings, variable_prefix="container_"):
    """The problems with the container role's settings (memory, pids_limit, network, stop_timeout)."""
    problems = []
    try:
        memory_bytes(settings.get("memory"))
    except ContainerError as exc:
        problems.append(f"{variable_prefix}memory: {exc}")
    pids = settings.get("pids_limit")
    if isinstance(pids, bool) or not isinstance(pids, int) or not PIDS_RANGE[0] <= pids <= PIDS_RANGE[1]:
        problems.append(f"{variable_prefix}pids_limit: {pids!r} must be a whole number from {PIDS_RANGE[0]} to {PIDS_RANGE[1]}.")
    if settings.get("network") not in NETWORKS:
        problems.append(f"{variable_prefix}network: {settings.get('network')!r} is not a network; choose one of: {', '.join(NETWORKS)}.")
    return problems


def archive_copy(name):
    """Where an application's image archive (image.archive) is copied on the host, to be loaded."""
    return f"{ARCHIVES_DIR}/{name}.tar"


def archive_image_id(path):
    """The id (sha256:...) of the image in a docker save archive, from its
    manifest.json (the digest of the image's configuration: its file's name),
    without loading it; "" when the archive names none or more than one."""
    try:
        with tarfile.open(path) as archive:
            member = archive.getmember("manifest.json")
            manifest = json.load(archive.extractfile(member))
    except (OSError, KeyError, ValueError, tarfile.TarError):
        return ""
    if not isinstance(manifest, list) or len(manifest) != 1 or not isinstance(manifest[0], dict):
        return ""
    digest = posixpath.basename(str(manifest[0].get("Config") or "")).removesuffix(".json")
    return f"sha256:{digest}" if re.match(r"^[0-9a-f]{64}$", digest) else ""


def image_names(name, release_id, env_id):
    """The images of one release: its own and its dependency environment's."""
    return {"release": f"flaskstack/{name}:{release_id}", "env": f"flaskstack/{name}-env:{env_id}"}


def _labels(labels):
    return " ".join(f"{key}={json.dumps(value)}" for key, value in sorted(labels.items()))


def requirement_files(found, requirements):
    """The requirements files of a release relative to its code, from what
    releases.requirements_digest found (the first file is the requirements
    file itself); None when the environment needs the whole code (a line
    installs from it, such as -e .)."""
    if not found or found.get("local"):
        return None
    files = list(found.get("files") or [])
    if not files:
        return []
    root = files[0][: -len(requirements)] if files[0].endswith(requirements) else posixpath.dirname(files[0]) + "/"
    out = []
    for path, exists in ((f, f not in (found.get("missing") or [])) for f in files):
        if not exists or not path.startswith(root):
            continue
        out.append(path[len(root):])
    if not found.get("exists", True):
        out = out[1:] if out and out[0] == requirements else out
    return out


def env_dockerfile(release, base_image, pip_conf=False, pip_ca=None):
    """The Dockerfile of a release's dependency environment image: a virtualenv
    at the path the host's layout gives it, with the requirements, the
    packages and the app server, checked with pip check. Its context is the
    release directory; only the requirements files are copied in (the whole
    code when they install from it, or when the code is a project installed
    with its dependencies), so that it is built once per environment."""
    app = release["app"]
    code = "/tmp/flaskstack-code"
    files = release.get("requirements_files")
    lines = [f"FROM {base_image}"]
    if pip_conf:
        lines.append(f"COPY {BUILD_DIR}/pip.conf /etc/pip.conf")
    if pip_ca:
        lines.append(f"COPY {BUILD_DIR}/pip-ca.pem {pip_ca}")
    if files is None:
        lines.append(f"COPY app {code}")
    else:
        lines.extend(f"COPY {json.dumps(['app/' + f, code + '/' + f])}" for f in files)
    install = [f"{release['env_dir']}/bin/pip", "install", "--no-input", "--no-cache-dir"]
    if release.get("requirements_exist", True):
        install += ["--requirement", f"{code}/{app['requirements']}"]
    install += list(release["pip_packages"])
    var_link = ""
    if release.get("project"):
        # The code is a Python project (install_project): installed with its dependencies,
        # and Flask's instance folder of an installed package in the shared directory.
        install.append(code)
        var_link = f" && ln -sfn {PROJECT_VAR_LINK} {_sh_quote(release['env_dir'] + '/var')}"
    quoted = " ".join(_sh_quote(a) for a in install)
    lines.append(
        f"RUN python3 -m venv {_sh_quote(release['env_dir'])} && {quoted}"
        f" && {_sh_quote(release['env_dir'] + '/bin/pip')} check{var_link} && rm -rf {code}"
    )
    lines.append(f"LABEL {_labels({LABEL_APP: app['name'], LABEL_ENV: release['env_id'], LABEL_KIND: 'env'})}")
    return "\n".join(lines) + "\n"


def release_dockerfile(release, uid="${APP_UID}", gid="${APP_GID}"):
    """The Dockerfile of a release's image: the environment's image, the
    release directory at its path on the host (owned by root: the application
    cannot change its code), "current" a link to it, and the application's
    user (its numeric ids on the host, so that files it writes in the shared
    directories and its socket are its own there)."""
    app = release["app"]
    names = image_names(app["name"], release["id"], release["env_id"])
    return "\n".join(
        [
            f"FROM {names['env']}",
            "ARG APP_UID",
            "ARG APP_GID",
            f"COPY app {release['dir']}/app",
            f"COPY wsgi {release['dir']}/wsgi",
            # The release's links, and the application's user by name (as on the host).
            f"RUN ln -sfn {release['env_link']} {_sh_quote(release['dir'] + '/venv')} && ln -sfn releases/{release['id']} {_sh_quote(app['current_link'])}"
            f' && echo "{app["user"]}:x:${{APP_UID}}:${{APP_GID}}:flaskstack application {app["name"]}:{app["base_dir"]}:/usr/sbin/nologin" >> /etc/passwd'
            f' && echo "{app["group"]}:x:${{APP_GID}}:" >> /etc/group',
            f"WORKDIR {app['code_dir']}",
            f"ENV PATH={app['venv_dir']}/bin:/usr/local/bin:/usr/bin:/bin PYTHONDONTWRITEBYTECODE=1",
            f"USER {uid}:{gid}",
            f"LABEL {_labels({LABEL_APP: app['name'], LABEL_RELEASE: release['id'], LABEL_ENV: release['env_id'], LABEL_KIND: 'release'})}",
        ]
    ) + "\n"


def given_release_dockerfile(release, image_id):
    """The Dockerfile of a release's image on an image of the application's own
    (pulled, loaded, or built from its own Dockerfile): the image's code (its
    working directory, or image.code_dir) and python3 take the places the
    host's layout gives the release's code and environment; the WSGI entry
    point, "current" and the application's user are added. What the image
    would run by itself goes (its entrypoint, its health check, a stop signal
    other than the app servers' graceful SIGTERM): the container role runs the
    app server. The image needs /bin/sh."""
    app = release["app"]
    rel = release["dir"]
    code = app.get("image_code_dir") or ""
    return "\n".join(
        [
            f"FROM {image_id}",
            "ARG APP_UID",
            "ARG APP_GID",
            "USER 0",
            f"COPY wsgi {rel}/wsgi",
            # venv: the directory of the image's python3 (a virtualenv's keeps its pyvenv.cfg), or links to it.
            f'RUN set -e; code={_sh_quote(code) if code else "$(pwd)"}; python="$(command -v python3)"; prefix="${{python%/bin/*}}"'
            f' && ln -sfn "$code" {rel}/app && if [ -x "$prefix/bin/python" ]; then ln -sfn "$prefix" {rel}/venv;'
            f' else mkdir -p {rel}/venv/bin && ln -sfn "$python" {rel}/venv/bin/python && ln -sfn "$python" {rel}/venv/bin/python3; fi'
            f" && ln -sfn releases/{release['id']} {_sh_quote(app['current_link'])}"
            f' && echo "{app["user"]}:x:${{APP_UID}}:${{APP_GID}}:flaskstack application {app["name"]}:{app["base_dir"]}:/usr/sbin/nologin" >> /etc/passwd'
            f' && echo "{app["group"]}:x:${{APP_GID}}:" >> /etc/group',
            f"WORKDIR {app['code_dir']}",
            f"ENV PATH={app['venv_dir']}/bin:${{PATH}} PYTHONDONTWRITEBYTECODE=1",
            "ENTRYPOINT []",
            "HEALTHCHECK NONE",
            "STOPSIGNAL SIGTERM",
            f"USER {'${APP_UID}'}:{'${APP_GID}'}",
            f"LABEL {_labels({LABEL_APP: app['name'], LABEL_RELEASE: release['id'], LABEL_ENV: release['env_id'], LABEL_KIND: 'release'})}",
        ]
    ) + "\n"


def _sh_quote(text):
    text = str(text)
    if re.match(r"^[A-Za-z0-9_./:=+@%-]+$", text):
        return text
    return "'" + text.replace("'", "'\"'\"'") + "'"


def env_file_line(key, value):
    """One line of a Docker environment file (--env-file): KEY=VALUE, the
    value as it is (Docker does not unquote it); ContainerError for a value
    with a line break, which such a file cannot hold."""
    text = "" if value is None else str(value)
    if isinstance(value, bool):
        text = "true" if value else "false"
    if "\n" in text or "\r" in text or "\0" in text:
        raise ContainerError(f"{key}: a value with a line break cannot be passed to a container (Docker's --env-file).")
    return f"{key}={text}"


def security_options(settings):
    """What every container of an application runs with: not as root (the
    image's user), a read-only root file system with a private /tmp, no
    capabilities, no new privileges, memory and process limits, no published port."""
    return [
        "--read-only",
        "--tmpfs", "/tmp:rw,nosuid,nodev,size=64m",
        "--cap-drop", "ALL",
        "--security-opt", "no-new-privileges",
        "--memory", str(settings["memory"]),
        "--pids-limit", str(int(settings["pids_limit"])),
        "--network", settings["network"],
    ]  # fmt: skip


def _mounts(app, config_files=()):
    out = []
    for path in app["shared_paths"]:
        out += ["--mount", f"type=bind,source={path},target={path}"]
    for path in app.get("extra_writable_paths", []):
        out += ["--mount", f"type=bind,source={path},target={path}"]
    for path in config_files:
        out += ["--mount", f"type=bind,source={path},target={path},readonly"]
    if app.get("metrics_token_file"):
        # The token the host's metrics exporter shows to ask the application for its metrics.
        out += ["--mount", f"type=bind,source={app['metrics_token_file']},target={app['metrics_token_file']},readonly"]
    return out


def check_prefix(release, settings):
    """The command that runs a release's checks (the probe, the test command)
    in a container of its image, as the application will run: its user, its
    settings, its limits, its shared directories; removed afterwards."""
    app = release["app"]
    return (
        ["docker", "run", "--rm", "--log-driver", "none", "--env-file", app["container_env_file"], "--workdir", release["code_dir"],
         "--env", f"PYTHONPATH={release['wsgi_dir']}:{release['code_dir']}"]
        + security_options(settings)
        + _mounts(app)
        + [image_names(app["name"], release["id"], release["env_id"])["release"]]
    )


def build_steps(release):
    """The run_steps steps that make a release's images: its environment's
    (unless it exists: on the base image, or from the application's own
    Dockerfile; none for a given image), then its own; then, on an image of the
    application's own, its static files copied out for the web server."""
    app = release["app"]
    names = image_names(app["name"], release["id"], release["env_id"])
    build = release["dir"] + "/" + BUILD_DIR
    if app.get("image_dockerfile"):
        labels = {LABEL_APP: app["name"], LABEL_ENV: release["env_id"], LABEL_KIND: "env"}
        env_build = ["docker", "build", "--network", "host", "--quiet", "-t", names["env"]]
        env_build += [arg for key, value in sorted(labels.items()) for arg in ("--label", f"{key}={value}")]
        env_build += ["-f", f"{release['code_dir']}/{app['image_dockerfile']}", release["code_dir"]]
    else:
        env_build = ["docker", "build", "--network", "host", "--quiet", "-t", names["env"], "-f", f"{build}/env.Dockerfile", release["dir"]]
    steps = []
    if not app.get("image_given"):
        steps.append(
            {
                "step": "application image" if app.get("image_dockerfile") else "environment image",
                "argv": ["/bin/sh", "-c", 'docker image inspect "$1" >/dev/null 2>&1 || { shift; exec "$@"; }', "sh", names["env"]] + env_build,
            }
        )
    user = app["user"]
    steps.append(
        {
            "step": "release image",
            "argv": [
                "/bin/sh", "-c",
                'exec docker build --quiet --network none --build-arg "APP_UID=$(id -u "$1")" --build-arg "APP_GID=$(id -g "$1")" -t "$2" -f "$3" "$4"',
                "sh", user, names["release"], f"{build}/Dockerfile", release["dir"],
            ],
        }
    )  # fmt: skip
    if (app.get("image_given") or app.get("image_dockerfile")) and app.get("static_dir"):
        # The web server serves the static files from the host: out of the image into the release.
        static = app["static_dir"].replace(app["code_dir"], release["code_dir"], 1)
        steps.append(
            {
                "step": "static files",
                "argv": [
                    "/bin/sh", "-c",
                    'set -e; c=$(docker create "$1" /bin/true); trap \'docker rm "$c" >/dev/null\' EXIT; mkdir -p "$3"; docker cp "$c:$2/." "$3"',
                    "sh", names["release"], static, static,
                ],
            }
        )  # fmt: skip
    return steps


def images_to_prune(labels, keep):
    """The image tags of an application to remove (labels: tag -> its image's
    labels): release images whose release is not in keep, and environment
    images that no remaining release image uses."""
    releases_kept = {t: l for t, l in labels.items() if l.get(LABEL_KIND) == "release" and l.get(LABEL_RELEASE) in keep}
    used_envs = {l.get(LABEL_ENV) for l in releases_kept.values()}
    return [
        tag for tag, l in labels.items()
        if (l.get(LABEL_KIND) == "release" and tag not in releases_kept) or (l.get(LABEL_KIND) == "env" and l.get(LABEL_ENV) not in used_envs)
    ]  # fmt: skip


def container_name(app_name, spec):
    """The name of the container that runs spec: the same spec, the same name."""
    digest = hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:12]
    return f"flaskstack-{app_name}-{digest}"


def run_argv(app, spec, name, settings):
    """docker run for one application's container (spec: what container_spec made)."""
    socket_dir = f"{app['sockets_dir']}/{name}"
    return (
        ["docker", "run", "--detach", "--name", name, "--restart", "unless-stopped",
         "--label", f"{LABEL_APP}={app['name']}", "--label", f"{LABEL_RELEASE}={spec['release']}",
         "--env-file", app["container_env_file"], "--stop-timeout", str(stop_timeout(app, settings)),
         "--log-opt", f"tag=flaskstack-{app['name']}"]
        + security_options(settings)
        + _mounts(app, spec.get("config_files", []))
        + ["--mount", f"type=bind,source={socket_dir},target={SOCKET_DIR_IN_CONTAINER}"]
        + [spec["image"]]
        + list(spec["command"])
    )  # fmt: skip


def server_command(template, app):
    """An app server's command in a container (its role's entry point
    "container"), each argument with the application's layout filled in and
    {socket}, the socket's path in the container."""
    values = dict(app, socket=f"{SOCKET_DIR_IN_CONTAINER}/{SOCKET_NAME}")
    try:
        return [str(arg).format(**values) for arg in template]
    except (KeyError, IndexError, ValueError) as exc:
        raise ContainerError(f"{app['name']}: the app server's container command names no field of its layout ({exc}).") from None


def run_entry(app, servers):
    """An application of the container runtime, with what its container runs:
    its app server's command and configuration files (servers: per app server,
    what its role's entry point "container" made known) with its layout filled
    in, the protocol it speaks on its socket and the seconds it needs to finish
    its requests when it stops."""
    server = (servers or {}).get(app["app_server"]) or {}
    protocol = server.get("protocol") or "http"
    if protocol not in PROTOCOLS:
        raise ContainerError(f"{app['name']}: its app server speaks {protocol!r} on its socket; the container runtime knows {', '.join(PROTOCOLS)}.")
    out = dict(app)
    out["command"] = server_command(server.get("command") or [], app)
    out["config_files"] = server_command(server.get("config_files") or [], app)
    out["protocol"] = protocol
    out["stop_timeout"] = int(server.get("stop_timeout") or 0)
    return out


def stop_timeout(app, settings):
    """Seconds a container of the application has to finish its requests when
    it stops: container_stop_timeout when it is set (not 0), else what its app
    server needs (run_entry), else Docker's stop timeout of ours."""
    return int(settings.get("stop_timeout") or 0) or int(app.get("stop_timeout") or 0) or DEFAULT_STOP_TIMEOUT


def health_request(app):
    """The health request a new container gets before any traffic, as the web
    server would send it: the health path (the web server takes the URL prefix
    off; X-Forwarded-Prefix tells the application), the first server name, the
    forwarded headers. {"path", "headers"}."""
    return {
        "path": app["health_path"],
        "headers": {
            "Host": app["health_host"],
            "X-Forwarded-For": "127.0.0.1",
            "X-Forwarded-Proto": "https" if app["tls"] else "http",
            "X-Forwarded-Host": app["health_host"],
            "X-Forwarded-Prefix": app["forwarded_prefix"],
            "Connection": "close",
        },
    }


def uwsgi_packet(path, headers):
    """A GET request in the uwsgi protocol, as Nginx's uwsgi_pass sends it: a
    4-byte header (modifier 0, the size of what follows as 16 bits
    little-endian, modifier 0), then the request's variables (CGI's, and each
    header as HTTP_NAME), each key and value after its length (16 bits
    little-endian). The answer is an HTTP response."""
    variables = {
        "REQUEST_METHOD": "GET",
        "REQUEST_URI": path,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "SERVER_NAME": headers.get("Host", "localhost"),
        "SERVER_PORT": "80",
        "REMOTE_ADDR": "127.0.0.1",
    }
    for key, value in headers.items():
        variables["HTTP_" + key.upper().replace("-", "_")] = value
    body = b""
    for key, value in variables.items():
        for text in (key.encode("latin-1"), str(value).encode("latin-1")):
            if len(text) > 0xFFFF:
                raise ContainerError(f"a uwsgi variable longer than {0xFFFF} bytes: {text[:40]!r}...")
            body += struct.pack("<H", len(text)) + text
    if len(body) > 0xFFFF:
        raise ContainerError(f"a uwsgi request longer than {0xFFFF} bytes.")
    return struct.pack("<BHB", 0, len(body), 0) + body


def build_files(release, base_image, pip_conf="", pip_ca="", image_ids=None):
    """The files of a release's build directory (BUILD_DIR): its two
    Dockerfiles, and pip's settings and CA bundle when there are any; for a
    given image (image_ids: name -> the pulled or loaded image's id), its
    release's Dockerfile only."""
    if release["app"].get("image_given"):
        image_id = (image_ids or {}).get(release["name"])
        if not image_id:
            raise ContainerError(f"{release['name']}: its given image was not pulled or loaded.")
        return {"Dockerfile": given_release_dockerfile(release, image_id)}
    if release["app"].get("image_dockerfile"):
        # On the image its own Dockerfile makes (build_steps), as on a given one.
        return {"Dockerfile": given_release_dockerfile(release, image_names(release["name"], release["id"], release["env_id"])["env"])}
    base = release["app"].get("image_base") or base_image
    files = {
        "env.Dockerfile": env_dockerfile(release, base, pip_conf=bool(pip_conf), pip_ca=PIP_CA_PATH if pip_ca else None),
        "Dockerfile": release_dockerfile(release, "${APP_UID}", "${APP_GID}"),
    }
    if pip_conf:
        files["pip.conf"] = pip_conf
    if pip_ca:
        files["pip-ca.pem"] = pip_ca
    return files


# Where pip's CA bundle is in an environment image (as on the host).
PIP_CA_PATH = "/etc/flaskstack/pip-ca.pem"


def check_item(release, settings, probe_item):
    """The run_steps item for a new release of the container runtime: its
    images, then the probe and the test command (probe_item: what
    releases.check_item made with check_prefix) in a container of its image."""
    item = dict(probe_item)
    item["steps"] = build_steps(release) + list(probe_item["steps"])
    item["environment"] = {"DOCKER_BUILDKIT": "0"}
    return item
