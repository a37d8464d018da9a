# Copyright: contributors to flaskstack.deploy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Releases and their dependency environments: what names them, what they
contain, what may be removed.

A release is /srv/flaskstack/NAME/releases/ID: the code, the WSGI entry point,
and "venv", a link to the dependency environment /srv/flaskstack/NAME/envs/ENV
(a virtualenv). ENV is a digest of what decides the environment's contents (the
requirements files' text, the extra packages, the app server's packages, the
Python version, where the packages come from), so releases whose dependencies
are the same share one environment, and a release that changes only its code
builds none. ID is a digest of the code and of ENV.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
import re

from ansible_collections.flaskstack.deploy.plugins.module_utils import containers

# Bump when what a release or an environment contains changes for the same
# inputs (the WSGI entry point template, the layout), so that the next deploy
# builds new ones.
RELEASE_FORMAT = 2
ENV_FORMAT = 1
RELEASE_MARKER = ".flaskstack-release"
ENV_MARKER = ".flaskstack-env"
ID_RE = re.compile(r"^[0-9a-f]{12}$")

# Lines of a requirements file that name another file, relative to it.
_INCLUDE_RE = re.compile(r"^\s*(?:-r|--requirement|-c|--constraint)(?:\s+|=)(\S+)")
# Lines that install from the local file system: the environment then depends
# on the code itself, not only on the requirements' text.
_LOCAL_RE = re.compile(
    r"^\s*(?:(?:-e|--editable)(?:\s+|=)(?!\w+\+)|(?:-f|--find-links)(?:\s+|=)(?!\w+://)|\.|/|~|file:)"
    r"|@\s*file:"
)


# A pyproject.toml that declares the project (PEP 621) or how to build it
# (PEP 517), not one that only configures tools (is_project).
_PROJECT_TABLE_RE = re.compile(r"^\s*\[\s*(?:project|build-system)\s*\]\s*(?:#.*)?$", re.M)


class ReleaseError(ValueError):
    """A release that cannot be named, or a rollback to a release that cannot exist."""


def _id(inputs):
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()[:12]


def is_project(read, code_dir):
    """Whether the code in code_dir is a Python project pip can install
    (install_project): it has a setup.py, or a pyproject.toml with a [project]
    or [build-system] table."""
    if read(posixpath.join(code_dir, "setup.py")) is not None:
        return True
    pyproject = read(posixpath.join(code_dir, "pyproject.toml"))
    return pyproject is not None and bool(_PROJECT_TABLE_RE.search(pyproject))


def requirements_digest(read, path, project_dir=None):
    """The digest of a requirements file and of every file it includes (-r, -c).

    read(path) returns a file's text, or None when it does not exist. Returns
    {"digest", "files" (the files read, in order), "local" (whether a line
    installs from the local file system, so that the environment depends on
    the code), "missing" (included files that do not exist), "exists" (whether
    the file itself does), "project" (whether the code in project_dir, when
    given, is a Python project: is_project)}. A file that does
    not exist counts as empty: an application may have no requirements file.
    """
    project = bool(project_dir) and is_project(read, project_dir)
    digest = hashlib.sha256()
    files, missing, local = [], [], False
    exists = read(path) is not None
    pending = [path]
    while pending:
        current = pending.pop(0)
        if current in files:
            continue
        text = read(current)
        files.append(current)
        if text is None:
            if current != path:
                missing.append(current)
            digest.update(b"-\0" + current.encode() + b"\0")
            continue
        digest.update(b"F\0" + posixpath.basename(current).encode() + b"\0" + hashlib.sha256(text.encode()).digest())
        for line in text.splitlines():
            line = line.split(" #", 1)[0].strip()
            if not line or line.startswith("#"):
                continue
            include = _INCLUDE_RE.match(line)
            if include:
                target = include.group(1)
                if "://" in target:
                    continue
                pending.append(posixpath.normpath(posixpath.join(posixpath.dirname(current), target)))
            elif _LOCAL_RE.search(line):
                local = True
    return {"digest": digest.hexdigest(), "files": files, "local": local, "missing": missing, "exists": exists, "project": project}


def read_text(path):
    """read() for requirements_digest on this machine's file system."""
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return None


# The key of server_packages that holds the packages of the request metrics
# (the Prometheus client), installed into every environment the collection builds.
METRICS_PACKAGES = "flaskstack_metrics"


def env_packages(app, server_packages=None):
    """The packages installed into an application's environment besides its
    requirements file: its own, its app server's (server_packages, by the
    layout's packages_key: the app server's name, NAME_container in a
    container), the metrics' (server_packages[METRICS_PACKAGES]), Werkzeug for ProxyFix."""
    server_packages = server_packages or {}
    packages = list(app["packages"]) + list(server_packages.get(app.get("packages_key", app["app_server"]), []))
    packages += list(server_packages.get(METRICS_PACKAGES, []))
    if app["trusted_proxies"] > 0:
        packages.append("werkzeug")
    return packages


def env_id(app, requirements, python_version, server_packages=None, source_digest="", wheelhouse_digest="", index_url=""):
    """The id of the dependency environment an application's release needs.

    requirements: what requirements_digest returned for the release's
    requirements file. python_version: the host's ("3.11.2"); only the major
    and minor version count, as a virtualenv follows Debian's point releases.
    The code's digest counts only when the requirements install from the local
    file system.
    """
    inputs = {
        "format": ENV_FORMAT,
        "requirements": app["requirements"],
        "requirements_digest": requirements["digest"],
        "packages": env_packages(app, server_packages),
        "python": ".".join(str(python_version).split(".")[:2]),
        "source": source_digest if requirements.get("local") else "",
        "wheelhouse": wheelhouse_digest or "",
        "index_url": index_url or "",
    }
    return _id(inputs)


def release_id(app, source_digest, environment):
    """The id of a release: the code and its environment, and the few settings
    that are baked into its files (the entry point, the health path, ProxyFix,
    the shared directories)."""
    return _id(
        {
            "format": RELEASE_FORMAT,
            "name": app["name"],
            "health_path": app["health_path"],
            "source": source_digest,
            "entry_point": app["entry_point"],
            "app_server": app["app_server"],
            "env": environment,
            "trusted_proxies": app["trusted_proxies"],
            "shared_dirs": app["shared_dirs"],
        }
    )


def release(app, source_digest, environment, server_packages=None):
    """Everything about one new release of an application: its id, paths,
    environment and what goes into it."""
    if not isinstance(source_digest, str) or not source_digest:
        raise ReleaseError(f"{app.get('name')}: no source digest to name a release after.")
    rid = release_id(app, source_digest, environment)
    release_dir = f"{app['releases_dir']}/{rid}"
    env_dir = f"{app['envs_dir']}/{environment}"
    return {
        "name": app["name"],
        "app": app,
        "id": rid,
        "source_digest": source_digest,
        "dir": release_dir,
        "code_dir": f"{release_dir}/app",
        "venv_dir": f"{release_dir}/venv",
        "wsgi_dir": f"{release_dir}/wsgi",
        "wsgi_file": f"{release_dir}/wsgi/{app['wsgi_module']}.py",
        "marker": f"{release_dir}/{RELEASE_MARKER}",
        "env_id": environment,
        "env_dir": env_dir,
        # The link "venv" in the release, relative, so that the tree reads the same anywhere.
        "env_link": f"../../envs/{environment}",
        "env_marker": f"{env_dir}/{ENV_MARKER}",
        "pip_packages": env_packages(app, server_packages),
    }


def app_release(app, digests, requirements, python_version, server_packages=None, wheelhouses=None, index_url="", container_base=""):
    """The new release of an application (an app_layouts entry), named after its
    inputs. digests: name -> the code's digest; requirements: name -> what
    requirements_digest found; wheelhouses: name -> the wheelhouse's digest.
    container_base: the base image of the container runtime's environment
    images (an application's image.base takes precedence), which stands for
    the host's Python in the environment's id."""
    name = app["name"]
    found = (requirements or {}).get(name)
    if found is None and app.get("image_given"):
        # A given image brings its own environment: the image's id names the release.
        found = {"digest": "", "files": [], "local": False, "missing": [], "exists": False}
    if found is None:
        raise ReleaseError(f"{name}: no digest of its requirements to name its environment after.")
    source = (digests or {}).get(name)
    wheelhouse = (wheelhouses or {}).get(name, "")
    if app.get("runtime") == "container":
        python_version = "image:" + (app.get("image_base") or container_base or "default")
    if app.get("image_given"):
        server_packages, python_version = {}, "given:" + str(source)
    if app.get("image_dockerfile"):
        # The application's own Dockerfile, with the whole code as its context: its image
        # holds the code, so that new code makes a new one (the app server is the image's).
        server_packages, python_version = {}, "dockerfile:" + app["image_dockerfile"]
        found = dict(found, local=True)
    project = bool(found.get("project")) and app.get("install_project", True) and not app.get("image_given") and not app.get("image_dockerfile")
    if project:
        # The project is installed into the environment, which then holds the code: new code, a new environment.
        found = dict(found, local=True)
    environment = env_id(app, found, python_version, server_packages, source or "", wheelhouse, index_url)
    out = release(app, source, environment, server_packages)
    out["requirements_files"] = containers.requirement_files(found, app["requirements"])
    out["requirements_exist"] = bool(found.get("exists", True))
    out["wheelhouse"] = bool(wheelhouse)
    out["project"] = project
    return out


def pending(releases, live):
    """The releases that must go live: those of applications that have a live
    release (live: name -> release id) other than this one."""
    return [r for r in releases if live.get(r["name"]) and live.get(r["name"]) != r["id"]]


def _parent(path):
    return path.rstrip("/").rsplit("/", 1)[0]


def prune(release_dirs, markers, keep=5, protect=(), new=()):
    """The release directories to remove: unfinished ones, and finished ones
    beyond the newest `keep` of each application (by the time they were
    finished); never one in protect, and never one of `new` (releases just
    built, which count as the newest).

    release_dirs: paths of the directories under releases/; markers: the marker
    files found in them, dictionaries with "path" and "mtime".
    """
    protected = {p.rstrip("/") for p in list(protect) + list(new) if p}
    finished = {}
    for marker in markers:
        finished[_parent(marker["path"])] = marker["mtime"]
    newest_time = max(finished.values(), default=0) + 1
    for path in new:
        finished[path.rstrip("/")] = newest_time
    kept = set()
    for parent in {_parent(d) for d in finished}:
        siblings = [d for d in finished if _parent(d) == parent]
        newest = sorted(siblings, key=lambda d: (finished[d], d), reverse=True)
        kept.update(newest[: max(int(keep), 1)])
    return sorted(d.rstrip("/") for d in release_dirs if d.rstrip("/") not in protected and d.rstrip("/") not in kept)


def prune_envs(env_dirs, used, building=()):
    """The environment directories no release uses any more (used: the link
    targets or directories of the releases that stay), except those being built."""
    keep = {posixpath.basename(p.rstrip("/")) for p in list(used) + list(building) if p}
    return sorted(d.rstrip("/") for d in env_dirs if posixpath.basename(d.rstrip("/")) not in keep)


def rollback_target(app, current, previous, release_id_=""):
    """Where rollback.yml takes one application: current and previous are the
    link targets (or "") of its links; release_id_ an optional release to go to.
    Returns {name, app, id, live, same}."""
    if release_id_ and not ID_RE.match(str(release_id_)):
        raise ReleaseError(
            f"app_rollback_to: {release_id_!r} is not a release id (12 hexadecimal digits, the name of a"
            f" directory under {app['releases_dir']})."
        )

    def target(link):
        return (link or "").rstrip("/").rsplit("/", 1)[-1]

    live = target(current)
    wanted = release_id_ or target(previous)
    return {
        "name": app["name"],
        "app": app,
        "id": wanted,
        "live": live,
        "same": wanted == live,
        "marker": f"{app['releases_dir']}/{wanted}/{RELEASE_MARKER}" if wanted else "",
    }


def rollback_step(target):
    """The switch a rollback makes: {name, app, release, from}."""
    return {"name": target["name"], "app": target["app"], "release": target["id"], "from": target["live"]}



def env_build_item(release, wheelhouse=False):
    """The run_steps item that builds a release's dependency environment: a
    virtualenv (pip's settings, pip.conf, are in its directory already), the
    packages (and the project, from a copy of the code, since a build may write
    into its source tree), pip check; marked finished when all passed, removed
    when not."""
    env_dir = release["env_dir"]
    pip = f"{env_dir}/bin/pip"
    install = [pip, "install", "--no-input"]
    if wheelhouse:
        install += ["--no-index", "--find-links", f"{env_dir}/wheelhouse"]
    if release.get("requirements_exist", True):
        install += ["--requirement", f"{release['code_dir']}/{release['app']['requirements']}"]
    install += list(release["pip_packages"])
    project = bool(release.get("project"))
    project_copy = f"{env_dir}/project"
    steps = [{"step": "venv", "argv": ["python3", "-m", "venv", env_dir]}]
    if project:
        steps.append({"step": "copy the project", "argv": ["cp", "-a", "--", release["code_dir"], project_copy]})
        install.append(project_copy)
    steps += [
        {"step": "pip install", "argv": install},
        {"step": "pip check", "argv": [pip, "check"]},
    ]
    if project:
        steps.append({"step": "link var to the shared directory", "argv": ["ln", "-sfn", containers.PROJECT_VAR_LINK, f"{env_dir}/var"]})
    leftovers = ([f"{env_dir}/wheelhouse"] if wheelhouse else []) + ([project_copy] if project else [])
    if leftovers:
        steps.append({"step": "remove the copies", "argv": ["rm", "-rf", "--", *leftovers]})
    marker = {
        "env": release["env_id"],
        "app": release["name"],
        "requirements": release["app"]["requirements"],
        "packages": release["pip_packages"],
        "wheelhouse": bool(wheelhouse),
        "project": project,
    }
    return {
        "name": release["name"],
        "id": release["id"],
        "group": "env",
        "steps": steps,
        "marker": release["env_marker"],
        "marker_content": json.dumps(marker, indent=1, sort_keys=True) + "\n",
        "remove_on_failure": env_dir,
    }


# The probe's exit statuses (roles/app/files/flaskstack_probe.py).
PROBE = "flaskstack_probe.py"
PROBE_IMPORT_FAILED = 10
PROBE_UNHEALTHY = 11


def check_item(release, run_as_app, release_command=False):
    """The run_steps item that checks a new release before it gets traffic,
    each command run by run_as_app (the systemd-run prefix of
    sandbox.run_as_app): the probe, which imports the WSGI entry point and asks
    it in-process for the health path as the web server would (no traffic
    reaches the release), then the application's test_command, then, when
    release_command is true (this host runs it for the batch), its
    release_command; marked finished when all of them passed."""
    app = release["app"]
    probe = [
        f"{release['venv_dir']}/bin/python", f"{release['wsgi_dir']}/{PROBE}",
        "--module", app["wsgi_module"], "--path", app["health_path"], "--host", app["health_host"],
        "--scheme", "https" if app["tls"] else "http", "--prefix", app["forwarded_prefix"], "--release", release["id"],
    ]  # fmt: skip
    steps = [{"step": "probe", "argv": run_as_app + probe}]
    if release["app"].get("test_command"):
        steps.append({"step": "test", "argv": run_as_app + ["/bin/sh", "-c", release["app"]["test_command"]]})
    if release_command and release["app"].get("release_command"):
        steps.append({"step": "release", "argv": run_as_app + ["/bin/sh", "-c", release["app"]["release_command"]]})
    marker = {"release": release["id"], "app": release["name"], "source": release["source_digest"], "env": release["env_id"]}
    return {
        "name": release["name"],
        "id": release["id"],
        "group": "release",
        "steps": steps,
        "marker": release["marker"],
        "marker_content": json.dumps(marker, indent=1, sort_keys=True) + "\n",
    }


def _what(release, step, rc=None):
    if step == "import" or (step == "probe" and rc != PROBE_UNHEALTHY):
        return f"the import of its WSGI entry point {release['app']['entry_point']}"
    if step == "probe":
        return f"its health check before any traffic (GET {release['app']['url_prefix'].rstrip('/')}{release['app']['health_path']} in-process)"
    if step == "test":
        return f"its test command ({release['app'].get('test_command') or ''})"
    if step == "release":
        return f"its release command ({release['app'].get('release_command') or ''})"
    if step == "pip check":
        return "pip check"
    if step in containers.BUILD_STEPS:
        return f"the build of its container image ({step})"
    return f"the build of its dependency environment ({step})"


def failure_messages(results, releases, live):
    """The messages for the run_steps results that failed: which release, which
    check, its last line and the full output, and what keeps serving."""
    by_name = {r["name"]: r for r in releases}
    messages = []
    for result in results or []:
        if result.get("passed", True) or result.get("name") not in by_name:
            continue
        release = by_name[result["name"]]
        output = "\n".join(x for x in ((result.get("stdout") or "").strip(), (result.get("stderr") or "").strip()) if x)
        last = output.splitlines()[-1] if output else ""
        serving = f"release {live[release['name']]} keeps serving" if live.get(release["name"]) else "no release was live yet"
        messages.append(
            f"{release['name']}: the new release {release['id']} failed {_what(release, result.get('failed_step'), result.get('rc'))}"
            f" (exit {result.get('rc')}): {last} -- nothing was switched: {serving}. Full output: {output}"
        )
    return messages


def switch_step(release, live):
    """One application's switch, from a release entry: {name, app, release
    (the one to go live), from (the one live now, or "")}."""
    return {"name": release["name"], "app": release["app"], "release": release["id"], "from": (live or {}).get(release["name"], "")}


def health_spec(steps, which="release"):
    """What the health gate asks, per switch: the application's health URL and
    host, and the release that must answer (which: "release", the new one, or
    "from", the one it came from)."""
    return [
        {"name": s["name"], "url": s["app"]["health_url"], "host": s["app"]["health_host"], "release": s[which]}
        for s in steps
        if s[which]
    ]


def gate_reports(result):
    """The health gate's report per application name, from the result of the
    task that ran it (its JSON line on stdout), or {} when it did not run."""
    text = ((result or {}).get("stdout") or "").strip()
    if not text:
        return {}
    try:
        data = json.loads(text.splitlines()[-1])
    except ValueError:
        return {}
    return {r.get("name"): r for r in data.get("apps", [])}


def failed_switches(steps, result):
    """The switches that must go back: those whose release did not pass the
    gate, or all of them when the gate did not report (the switch itself failed)."""
    reports = gate_reports(result)
    if not reports:
        return list(steps)
    return [s for s in steps if not reports.get(s["name"], {}).get("passed")]


def _said(report):
    if not report:
        return "none"
    text = f"{report.get('last_status') or 'none'} from release {report.get('last_release') or 'unknown'}"
    if report.get("last_error"):
        text += f", {report['last_error']}"
    return text


def switch_failures(back, result, result_back, timeout, failure=None):
    """What the play says when switches failed: for each application that went
    back, what its new release answered, and whether the old one is healthy again."""
    went, came = gate_reports(result), gate_reports(result_back)
    messages = []
    for step in back:
        app = step["app"]
        report = went.get(step["name"]) or {}
        # Given up early (app_health_fail_after), or after the whole timeout.
        waited = (
            f"{report['unhealthy_in_a_row']} unhealthy answers in a row, given up after {report['seconds']} s"
            if report.get("failed_fast")
            else f"for {report.get('seconds', timeout)} s"
        )
        head = (
            f"{step['name']}: release {step['release']} went live but did not pass its health check"
            f" (GET {app['health_url']}, Host {app['health_host']}, {waited}; last answer: {_said(report)})."
            if went
            else f"{step['name']}: switching to release {step['release']} failed: {(failure or {}).get('msg', 'see the task above')}."
        )
        if not step["from"]:
            tail = "There was no earlier release to roll back to."
        elif came.get(step["name"], {}).get("passed"):
            tail = f"Rolled back: release {step['from']} is live again and healthy."
        else:
            tail = (
                f"Rolled back to release {step['from']}, but it does not answer its health check either"
                f" (last answer: {_said(came.get(step['name']))}): look at the app server's journal."
            )
        messages.append(f"{head} {tail}")
    if not messages:
        messages.append(f"Switching failed after the health gate passed: {(failure or {}).get('msg', 'see the task above')}.")
    return messages
