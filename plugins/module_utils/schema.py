# Copyright: contributors to flaskstack.deploy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The application schema: every key of an application in flaskstack_apps, written
once, as data - its type, default, allowed values, description and check.

The input checks (app_errors), the app role's argument specification (the
options of app_apps in roles/app/meta/argument_specs.yml) and the key table of
the collection's README come from it: scripts/gen-schema writes the last two,
and a unit test fails when they disagree with it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import zlib

from ansible_collections.flaskstack.deploy.plugins.module_utils import containers, pairings, processes, tls

NAME_RE = re.compile(r"^[a-z][a-z0-9-]{0,30}$")
ENTRY_POINT_RE = re.compile(r"^(?P<module>[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*):(?P<attr>[A-Za-z_]\w*)(?P<call>\(\))?$")
ENV_KEY_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
SERVER_NAME_RE = re.compile(r"^(?:\*\.)?[A-Za-z0-9_.-]+$")
URL_PREFIX_RE = re.compile(r"^/(?:[A-Za-z0-9._~-]+/)*$")
URL_PATH_RE = re.compile(r"^(?:[A-Za-z0-9._~-]+/)*$")
RELATIVE_PATH_RE = re.compile(r"^(?!/)(?!.*(?:^|/)\.\.(?:/|$))[A-Za-z0-9._/+-]+$")
USER_RE = re.compile(r"^[a-z_][a-z0-9_-]{0,31}$")
HEADER_NAME_RE = re.compile(r"^[A-Za-z0-9-]+$")


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


# Checks: each takes (where, value, app) and yields the problems with the value
# (a key that is left out is not checked, except where its entry says required).
def _check_name(where, name, app):
    if name is None or name == "":
        yield f"{where}.name is missing: every application needs a name (lower case letters, digits and '-')."
    elif not isinstance(name, str) or not NAME_RE.match(name):
        yield (
            f"{where}.name: {name!r} is not a valid name; use lower case letters, digits and '-',"
            " starting with a letter, at most 31 characters."
        )


def _given_image(app):
    """Whether the application's image is given (a reference or an archive), not built from its source."""
    image = app.get("image")
    return isinstance(image, dict) and bool(image.get("reference") or image.get("archive"))


def _check_source(where, source, app):
    if _given_image(app):
        if source is not None:
            yield f"{where}.source: not used when image.reference or image.archive gives the image (the code is in it); leave it out."
        return
    if not isinstance(source, dict) or not (source.get("path") or source.get("git")):
        yield (
            f"{where}.source is missing: give either {{path: DIR}} (a directory on the controller)"
            " or {git: URL, version: REF} (a branch, tag or commit)."
        )
        return
    if source.get("path") and source.get("git"):
        yield f"{where}.source: give either 'path' or 'git', not both."
    extra = sorted(set(source) - {"path", "git", "version"})
    if extra:
        yield f"{where}.source: unknown key(s) {', '.join(map(repr, extra))}; allowed keys: git, path, version."
    if source.get("path") and "version" in source:
        yield f"{where}.source.version only applies to a git source."


def _check_entry_point(where, entry_point, app):
    if entry_point is None:
        yield f"{where}.entry_point is missing: use 'module:app' or 'module:create_app()'."
    elif not isinstance(entry_point, str) or not ENTRY_POINT_RE.match(entry_point):
        yield (
            f"{where}.entry_point: {entry_point!r} is not a WSGI entry point;"
            " use 'module:app' or 'module:create_app()' (for example 'myapp.wsgi:app')."
        )


def _check_port(where, port, app, key="port"):
    if not _is_int(port) or not 1 <= port <= 65535:
        yield f"{where}.{key}: {port!r} is out of range; use a whole number from 1 to 65535."


# The loopback TCP ports an app server listens on when it cannot use a unix
# socket (mod_wsgi behind Nginx): by default one from the application's name, in
# a range below Linux's ephemeral ports (32768 and up).
BACKEND_PORTS = range(20000, 30000)


def backend_port(app):
    """The loopback TCP port of an application's app server, when it listens on one."""
    if "backend_port" in app and app["backend_port"] is not None:
        return app["backend_port"]
    return BACKEND_PORTS.start + zlib.crc32(app["name"].encode()) % len(BACKEND_PORTS)


def _check_backend_port(where, port, app):
    if not _is_int(port) or not 1024 <= port <= 65535:
        yield f"{where}.backend_port: {port!r} is out of range; use a whole number from 1024 to 65535 (the app server does not run as root)."


def _check_server_names(where, names, app):
    if not isinstance(names, list) or not names or not all(isinstance(s, str) and SERVER_NAME_RE.match(s) for s in names):
        yield f"{where}.server_names: {names!r} must be a non-empty list of host names."


def _check_url_prefix(where, prefix, app):
    if not isinstance(prefix, str) or not URL_PREFIX_RE.match(prefix):
        yield f"{where}.url_prefix: {prefix!r} must start and end with '/' (for example '/' or '/shop/')."


def _check_env(key):
    def check(where, values, app):
        if not isinstance(values, dict):
            yield f"{where}.{key} must be a dictionary of NAME: value."
            return
        bad = sorted(str(k) for k in values if not isinstance(k, str) or not ENV_KEY_RE.match(k))
        if bad:
            yield f"{where}.{key}: {', '.join(bad)} are not valid environment variable names."

    return check


def _check_static_dir(where, static_dir, app):
    if static_dir is not False and (not isinstance(static_dir, str) or not RELATIVE_PATH_RE.match(static_dir)):
        yield f"{where}.static_dir: {static_dir!r} must be a path inside the code (no '..'), or false for none."


def _check_static_url(where, static_url, app):
    if not isinstance(static_url, str) or not URL_PATH_RE.match(static_url.strip("/") + "/"):
        yield f"{where}.static_url: {static_url!r} must be a URL path such as 'static/'."


def _check_requirements(where, requirements, app):
    if not isinstance(requirements, str) or not RELATIVE_PATH_RE.match(requirements):
        yield f"{where}.requirements: {requirements!r} must be a file path inside the code (no '..')."


def _check_packages(where, packages, app):
    if not isinstance(packages, list) or not all(isinstance(p, str) and p for p in packages):
        yield f"{where}.packages must be a list of package names (for example ['psycopg[binary]'])."


def _check_health_path(where, path, app):
    if not isinstance(path, str) or not path.startswith("/") or not URL_PATH_RE.match(path.lstrip("/") + "/"):
        yield f"{where}.health_path: {path!r} must be a URL path starting with '/'."


def _check_app_server(where, server, app):
    # The pairing with the host's web server is checked with the rest of the list.
    if server not in pairings.APP_SERVERS:
        yield f"{where}.app_server: {server!r} is not an app server; choose one of: {', '.join(pairings.APP_SERVERS)}."


def _check_runtime(where, runtime, app):
    if runtime not in containers.RUNTIMES:
        yield f"{where}.runtime: {runtime!r} is not a runtime; choose one of: {', '.join(containers.RUNTIMES)}."


IMAGE_KEYS = {
    "base": "the base image the collection builds the release's image on",
    "dockerfile": "the application's own Dockerfile, a path in its code, built with the code as its context",
    "reference": "an image to pull, with the application and its app server in it",
    "archive": "a docker save archive on the controller, with the application and its app server in it",
    "code_dir": "where the code is in an image of the application's own (default its working directory)",
}
# Where an image comes from: one of these.
IMAGE_SOURCES = ("base", "dockerfile", "reference", "archive")


def _check_image(where, image, app):
    if not isinstance(image, dict) or set(image) - set(IMAGE_KEYS) or not image:
        yield (
            f"{where}.image: {image!r} must be a dictionary with one of: "
            + "; ".join(f"{k} ({v})" for k, v in IMAGE_KEYS.items()) + "."
        )
        return
    sources = [k for k in IMAGE_SOURCES if k in image]
    if len(sources) != 1:
        yield f"{where}.image: give exactly one of {', '.join(IMAGE_SOURCES[:-1])} and {IMAGE_SOURCES[-1]} (got {', '.join(sources) or 'none'})."
        return
    for key in ("base", "reference"):
        if key in image:
            problem = containers.image_reference_problem(image[key])
            if problem:
                yield f"{where}.image.{key}: {problem}."
    if "archive" in image and (not isinstance(image["archive"], str) or not os.path.isfile(os.path.expanduser(image["archive"]))):
        yield f"{where}.image.archive: {image['archive']!r} is not a file on the controller (an image archive made with docker save)."
    if "dockerfile" in image:
        dockerfile = image["dockerfile"]
        path = (app.get("source") or {}).get("path") if isinstance(app.get("source"), dict) else None
        if not isinstance(dockerfile, str) or not dockerfile or dockerfile.startswith("/") or ".." in dockerfile.split("/"):
            yield f"{where}.image.dockerfile: {dockerfile!r} must be a path in the application's code, relative to it (for example Dockerfile)."
        elif isinstance(path, str) and os.path.isdir(os.path.expanduser(path)) and not os.path.isfile(os.path.join(os.path.expanduser(path), dockerfile)):
            yield f"{where}.image.dockerfile: the code ({path}) has no file {dockerfile!r}."
    if "code_dir" in image:
        if "base" in image:
            yield (
                f"{where}.image.code_dir: only for an image of the application's own (dockerfile, reference or archive);"
                " an image the collection builds has the release's layout."
            )
        elif not isinstance(image["code_dir"], str) or not image["code_dir"].startswith("/") or ".." in image["code_dir"].split("/"):
            yield f"{where}.image.code_dir: {image['code_dir']!r} must be an absolute path in the image."


STATES = ("present", "absent")


def _check_state(where, state, app):
    if state not in STATES:
        yield f"{where}.state: {state!r} is not a state; choose one of: {', '.join(STATES)}."


def _check_bool(key):
    def check(where, value, app):
        if not isinstance(value, bool):
            yield f"{where}.{key}: {value!r} must be true or false."

    return check


def is_present(app):
    """Whether an application of the list is to be served (not state: absent)."""
    return not isinstance(app, dict) or app.get("state", "present") != "absent"


def _check_user(where, user, app):
    if not isinstance(user, str) or not USER_RE.match(user):
        yield f"{where}.user: {user!r} is not a valid system user name."


def _check_at_least(key, low):
    def check(where, value, app):
        if not _is_int(value) or value < low:
            yield f"{where}.{key}: {value!r} must be a whole number of at least {low}."

    return check


def _check_shared_dirs(where, dirs, app):
    if (
        not isinstance(dirs, list)
        or not all(isinstance(d, str) and RELATIVE_PATH_RE.match(d.strip("/")) for d in dirs)
        or len({d.strip("/") for d in dirs}) != len(dirs)
    ):
        yield f"{where}.shared_dirs: {dirs!r} must be a list of distinct paths inside the code (no '..')."


def _check_test_command(where, command, app):
    if not isinstance(command, str) or not command.strip():
        yield f"{where}.test_command: {command!r} must be a command line, or left out."


def _check_release_command(where, command, app):
    if not isinstance(command, str) or not command.strip():
        yield f"{where}.release_command: {command!r} must be a command line, or left out."


def _check_processes(where, value, app):
    yield from processes.process_problems(where, value)


def _check_jobs(where, value, app):
    yield from processes.job_problems(where, value, app.get("processes"))


SETTINGS_FILE_KEYS = {"dest", "content", "template", "secret"}


def _check_settings_files(where, files, app):
    shared = {d.strip("/") for d in app.get("shared_dirs") or [] if isinstance(d, str)}
    if not isinstance(files, list):
        yield f"{where}.settings_files: {files!r} must be a list of {{dest, content or template}}."
        return
    dests = []
    for index, entry in enumerate(files):
        at = f"{where}.settings_files[{index}]"
        if not isinstance(entry, dict):
            yield f"{at}: must be a dictionary with keys {', '.join(sorted(SETTINGS_FILE_KEYS))}."
            continue
        yield from processes.unknown_keys(at, entry, SETTINGS_FILE_KEYS)
        dest = entry.get("dest")
        if not isinstance(dest, str) or not RELATIVE_PATH_RE.match(dest) or os.path.dirname(dest) not in shared or not os.path.basename(dest):
            yield (
                f"{at}.dest: {dest!r} must be a file directly in one of the application's shared_dirs"
                f" ({', '.join(sorted(shared)) or 'none given'}), for example 'instance/settings.cfg'."
            )
        dests.append(dest)
        if ("content" in entry) == ("template" in entry):
            yield f"{at}: give either content (the text) or template (a template file on the controller)."
        elif "content" in entry and not isinstance(entry["content"], str):
            yield f"{at}.content: must be text."
        elif "template" in entry and (not isinstance(entry["template"], str) or not entry["template"].strip()):
            yield f"{at}.template: must be the path of a template file on the controller."
        if "secret" in entry and not isinstance(entry["secret"], bool):
            yield f"{at}.secret: {entry['secret']!r} must be true or false."
    if len(set(map(str, dests))) != len(dests):
        yield f"{where}.settings_files: two files have the same dest."


def _check_headers(where, headers, app):
    if not isinstance(headers, dict) or not all(
        isinstance(k, str) and HEADER_NAME_RE.match(k) and (v is None or (isinstance(v, str) and "\n" not in v and '"' not in v))
        for k, v in headers.items()
    ):
        yield f"{where}.headers: {headers!r} must map header names to values (text without quotes), or to null to drop one."


def _check_writable_paths(where, paths, app):
    if not isinstance(paths, list) or not all(
        isinstance(p, str) and p.startswith("/") and RELATIVE_PATH_RE.match(p.lstrip("/")) for p in paths
    ):
        yield f"{where}.writable_paths: {paths!r} must be a list of absolute paths (no '..')."


def _check_wheelhouse(where, wheelhouse, app):
    if not isinstance(wheelhouse, str) or not wheelhouse.strip():
        yield f"{where}.wheelhouse: {wheelhouse!r} must be a directory on the controller, or left out."


TLS_KEYS = {
    "certificate": "the certificate chain, PEM text (for example a vaulted variable)",
    "private_key": "its private key, PEM text (for example a vaulted variable)",
    "certificate_file": "the certificate chain, a PEM file on the controller",
    "private_key_file": "its private key, a PEM file on the controller",
    "acme": "true: get the certificate from an ACME CA (Let's Encrypt by default) with certbot",
    "port": "the HTTPS port (default 443)",
    "redirect": "answer on the HTTP port with a redirect to HTTPS (default true)",
    "hsts_max_age": "Strict-Transport-Security max-age in seconds; 0 sends none",
}


def _check_tls(where, tls, app):
    if tls is False:
        return
    if not isinstance(tls, dict):
        yield f"{where}.tls: {tls!r} must be false (no HTTPS) or a dictionary with keys {', '.join(TLS_KEYS)}."
        return
    unknown = sorted(set(tls) - set(TLS_KEYS))
    if unknown:
        yield f"{where}.tls: unknown key(s) {', '.join(map(repr, unknown))}; allowed keys: {', '.join(TLS_KEYS)}."
    for first, second in (("certificate", "private_key"), ("certificate_file", "private_key_file")):
        if bool(tls.get(first)) != bool(tls.get(second)):
            yield f"{where}.tls: give '{first}' and '{second}' together."
        for key in (first, second):
            if key in tls and (not isinstance(tls[key], str) or not tls[key].strip()):
                yield f"{where}.tls.{key} must be {'PEM text' if key.endswith(('certificate', 'key')) else 'a file path'}."
    sources = [k for k in ("certificate", "certificate_file") if tls.get(k)] + (["acme"] if tls.get("acme") else [])
    if len(sources) > 1:
        yield f"{where}.tls: give one of 'certificate', 'certificate_file' or 'acme', not {' and '.join(sources)}."
    if "acme" in tls and not isinstance(tls["acme"], bool):
        yield f"{where}.tls.acme must be true or false."
    if tls.get("acme") and any(s.startswith("*.") for s in app.get("server_names") or []):
        yield f"{where}.tls.acme: wildcard server names need a DNS challenge, which this collection does not do."
    port = tls.get("port", 443)
    if not _is_int(port) or not 1 <= port <= 65535:
        yield f"{where}.tls.port: {port!r} is out of range; use a whole number from 1 to 65535."
    elif port == app.get("port", 80):
        yield f"{where}.tls.port: {port} is also the HTTP port; give HTTPS its own port."
    if "redirect" in tls and not isinstance(tls["redirect"], bool):
        yield f"{where}.tls.redirect must be true or false."
    if "hsts_max_age" in tls and (not _is_int(tls["hsts_max_age"]) or tls["hsts_max_age"] < 0):
        yield f"{where}.tls.hsts_max_age must be a whole number of seconds (0: no HSTS)."


# The keys of an application, in the order the documentation lists them.
#   spec:    the argument specification of the key (type, elements, default, choices, no_log, options)
#   summary: one line for error messages and the README's "Meaning" column
#   default: the README's "Default" column
#   doc:     the description in the argument specification (a list of paragraphs)
#   check:   the function that checks a value; required: checked when left out too;
#            null_ok: null counts as left out
APP_KEYS = {
    "name": {
        "spec": {"type": "str"},
        "required": True,
        "check": _check_name,
        "default": "(required)",
        "summary": "Lower case letters, digits and `-`, at most 31 characters; every derived name comes from it.",
        "doc": [
            "The application's name (lower case letters, digits and V(-), at most 31 characters); every derived name comes from it.",
            "Every application needs one; it is not marked required here because the input check names the entry that lacks it.",
        ],
    },
    "source": {
        "spec": {
            "type": "dict",
            "options": {
                "path": {"type": "str", "description": "A directory on the controller whose contents are copied to the host."},
                "git": {"type": "str", "description": "The URL of a git repository to check out on the host."},
                "version": {"type": "str", "description": "The branch, tag or commit to check out (git sources only; default V(HEAD))."},
            },
        },
        "required": True,
        "check": _check_source,
        # Not needed when the container runtime's image is given (its check says so).
        "default": "(required)",
        "summary": (
            "`{path: DIR}`, a directory on the controller, or `{git: URL, version: REF}` (branch, tag or commit);"
            " none with a given container image (`image`)."
        ),
        "doc": [
            "Where the code comes from: V({path: DIR}) (a directory on the controller) or V({git: URL, version: REF}).",
            "Every application needs one; it is not marked required here because the input check explains what is missing.",
        ],
    },
    "entry_point": {
        "spec": {"type": "str"},
        "required": True,
        "check": _check_entry_point,
        "default": "(required)",
        "summary": "The WSGI callable: `module:app` or `module:create_app()`.",
        "doc": ["The WSGI callable, V(module:app) or V(module:create_app\\(\\)); every application needs one."],
    },
    "server_names": {
        "spec": {"type": "list", "elements": "str"},
        "null_ok": True,
        "check": _check_server_names,
        "default": "`[<name>.localhost]`",
        "summary": "The host names the web server answers for this application.",
        "doc": ["The host names the web server answers for this application (default V(NAME.localhost))."],
    },
    "port": {
        "spec": {"type": "int", "default": 80},
        "check": _check_port,
        "default": "`80`",
        "summary": "The port the web server listens on for it.",
        "doc": ["The TCP port the web server listens on for this application."],
    },
    "backend_port": {
        "spec": {"type": "int"},
        "null_ok": True,
        "check": _check_backend_port,
        "default": "from the name, 20000-29999",
        "summary": "mod_wsgi: the loopback port the app's own Apache listens on (only the web server's user may connect).",
        "doc": [
            "The TCP port on 127.0.0.1 that the app server listens on when it cannot listen on a unix socket"
            " (mod_wsgi: the application's own Apache); only the web server's user may connect to it.",
            "Default: a port from the application's name, from 20000 to 29999; two applications that would"
            " share one, or a port the web server listens on, are refused: set this key for one of them.",
        ],
    },
    "url_prefix": {
        "spec": {"type": "str", "default": "/"},
        "check": _check_url_prefix,
        "default": "`/`",
        "summary": "Mount the application under a path, e.g. `/shop/`.",
        "doc": ["The path the application is mounted under, starting and ending with V(/)."],
    },
    "env": {
        "spec": {"type": "dict", "default": {}},
        "check": _check_env("env"),
        "default": "`{}`",
        "summary": "Plain settings, passed as environment variables.",
        "doc": ["Plain environment variables for the application, V(NAME: value)."],
    },
    "secret_env": {
        "spec": {"type": "dict", "default": {}, "no_log": True},
        "check": _check_env("secret_env"),
        "default": "`{}`",
        "summary": (
            "Secret settings: never printed (not with `-v`, not with `--diff`), stored in a file readable by root and the"
            " app's group only. Keep the values in Ansible Vault."
        ),
        "doc": ["Secret environment variables for the application, V(NAME: value); their values are never logged."],
    },
    "static_dir": {
        "spec": {"type": "raw", "default": "static"},
        "check": _check_static_dir,
        "default": "`static`",
        "summary": "The static folder (relative to the code) that the web server serves itself; `false` for none.",
        "doc": ["The static folder, relative to the code, served by the web server (a string, or V(false) for none)."],
    },
    "static_url": {
        "spec": {"type": "str", "default": "static/"},
        "check": _check_static_url,
        "default": "`static/`",
        "summary": "The URL of the static folder, relative to `url_prefix`.",
        "doc": ["The URL path of the static folder, relative to O(app_apps[].url_prefix)."],
    },
    "requirements": {
        "spec": {"type": "str", "default": "requirements.txt"},
        "check": _check_requirements,
        "default": "`requirements.txt`",
        "summary": "The requirements file in the code (skipped when it does not exist).",
        "doc": ["The requirements file, relative to the code (skipped when it does not exist)."],
    },
    "install_project": {
        "spec": {"type": "bool", "default": True},
        "check": _check_bool("install_project"),
        "default": "`true`",
        "summary": "Install the code with pip, with the dependencies it declares, when it is a Python project (`pyproject.toml` or `setup.py`).",
        "doc": [
            "When the code is a Python project (a C(setup.py), or a C(pyproject.toml) with a C([project]) or C([build-system])"
            " table), pip installs it into the release's dependency environment, with the dependencies it declares, after the"
            " requirements file and O(app_apps[].packages). The environment then holds the code, so new code builds a new one."
            " V(false): the requirements file and O(app_apps[].packages) only (new code alone then builds no environment).",
        ],
    },
    "packages": {
        "spec": {"type": "list", "elements": "str", "default": []},
        "check": _check_packages,
        "default": "`[]`",
        "summary": "Extra Python packages for the application's dependency environment.",
        "doc": ["Extra Python packages to install into each release's dependency environment."],
    },
    "health_path": {
        "spec": {"type": "str", "default": "/health"},
        "check": _check_health_path,
        "default": "`/health`",
        "summary": "The health endpoint: a new release must answer it with 200 before, and after, it goes live.",
        "doc": [
            "The path of the application's health endpoint (below O(app_apps[].url_prefix)).",
            "A new release must answer it with 200 when it is checked, before any traffic reaches it, and through the"
            " web server after the switch.",
        ],
    },
    "state": {
        "spec": {"type": "str", "choices": list(STATES), "default": "present"},
        "check": _check_state,
        "default": "`present`",
        "summary": "`absent`: stop and remove the app (units, settings, sites, certificates); its data stays unless `keep_data: false`.",
        "doc": [
            "V(absent) takes the application away: its units are stopped and removed, and so are its app server's settings,"
            " its web server site, its settings and secrets (C(/etc/flaskstack/NAME)) and its certificates (certbot's too)."
            " Its data (C(/srv/flaskstack/NAME): releases, shared directories) and its user stay, unless O(app_apps[].keep_data=false).",
            "An absent application needs only its C(name); its other keys are not checked. An application that is simply left"
            " out of the list is not touched.",
        ],
    },
    "keep_data": {
        "spec": {"type": "bool", "default": True},
        "check": _check_bool("keep_data"),
        "default": "`true`",
        "summary": "With `state: absent`, `false` also removes `/srv/flaskstack/NAME` and the app's user and group.",
        "doc": ["With O(app_apps[].state=absent), V(false) also removes C(/srv/flaskstack/NAME) and the application's user and group."],
    },
    "app_server": {
        "spec": {"type": "str", "choices": list(pairings.APP_SERVERS)},
        "check": _check_app_server,
        "default": "`flaskstack_app_server`",
        "summary": "This application's own app server.",
        "doc": ["The app server of this application (default the value of C(flaskstack_app_server))."],
    },
    "runtime": {
        "spec": {"type": "str", "choices": list(containers.RUNTIMES)},
        "check": _check_runtime,
        "default": "`flaskstack_app_runtime`",
        "summary": "How the app server runs: `virtualenv` (under systemd) or `container` (a Docker image of the release, see Containers).",
        "doc": [
            "How this application's app server runs (default the value of C(flaskstack_app_runtime), V(virtualenv)):"
            " V(virtualenv), in a virtualenv under systemd, or V(container), in a container of an image made from the"
            " release, run by the host's Docker engine (Gunicorn or uWSGI; see the container role).",
        ],
    },
    "image": {
        "spec": {"type": "dict", "options": {key: {"type": "str", "description": text} for key, text in IMAGE_KEYS.items()}},
        "check": _check_image,
        "default": "built on `container_base_image`",
        "summary": (
            "Container runtime: built from the code on `{base: IMAGE}` (default `container_base_image`) or with the"
            " code's own `{dockerfile: PATH}`, or given: `{reference: REF}` (pulled) or `{archive: FILE}`"
            " (`docker save` output, loaded); see Containers."
        ),
        "doc": [
            "The container runtime: where the release's image comes from. V({base: IMAGE}): the collection builds it from"
            " the release's code on that base image (default the container role's C(container_base_image)), which must"
            " have C(python3) with its C(venv) module.",
            "V({dockerfile: PATH}): the application's own Dockerfile (a path in its code), built on the host with the"
            " release's code as its context, for each new release (Docker's layer cache makes a code-only change quick);"
            " its image holds the code (at its working directory, or C(code_dir)) and a C(python3) with the app server"
            " and Werkzeug.",
            "V({reference: REF}): an image pulled from a registry (credentials in the container role's"
            " C(container_registries)); V({archive: FILE}): an image archive on the controller (C(docker save) output),"
            " copied to the host and loaded. A given image holds the code (at its working directory, or C(code_dir)) and"
            " a C(python3) with the app server and Werkzeug; C(source) is then left out. The collection adds its WSGI"
            " entry point and the application's user on top of it.",
        ],
    },
    "user": {
        "spec": {"type": "str"},
        "check": _check_user,
        "default": "its name",
        "summary": "The system user (and group) the application runs as.",
        "doc": ["The system user (and group) the application runs as (default its name)."],
    },
    "workers": {
        "spec": {"type": "int"},
        "check": _check_at_least("workers", 1),
        "default": "the app server's",
        "summary": "The number of worker processes (default: the app server role's, from the host's CPU count).",
        "doc": ["The number of worker processes (default the app server role's, from the host's CPU count)."],
    },
    "trusted_proxies": {
        "spec": {"type": "int"},
        "check": _check_at_least("trusted_proxies", 0),
        "default": "`1` (`0` in Apache)",
        "summary": "How many proxies stand in front of the app (Flask's ProxyFix guidance); `0` turns ProxyFix off.",
        "doc": [
            "How many proxies stand in front of the application (ProxyFix); V(0) turns it off.",
            "Default V(1) (the web server in front of the app server), V(0) for an application that the web server hosts"
            " itself (its clients reach it directly).",
        ],
    },
    "shared_dirs": {
        "spec": {"type": "list", "elements": "str", "default": []},
        "check": _check_shared_dirs,
        "default": "`[]`",
        "summary": (
            "Directories inside the code that every release shares, for example `[instance, uploads]`: kept in"
            " `/srv/flaskstack/NAME/shared/`, writable by the app."
        ),
        "doc": [
            "Directories inside the code, relative to it (for example V(instance) or V(uploads)), that every release shares,"
            " so that what the application writes there outlives deploys.",
            "Each lives in C(/srv/flaskstack/NAME/shared/DIR), owned by the application's user and group (mode 0750),"
            " and is linked into each new release in place of whatever the code has at that path.",
        ],
    },
    "test_command": {
        "spec": {"type": "str"},
        "null_ok": True,
        "check": _check_test_command,
        "default": "none",
        "summary": (
            "A command run in each new release (its environment first on `PATH`, in the app's sandbox) before it gets"
            " traffic, e.g. `python -m pytest -q tests/smoke`."
        ),
        "doc": [
            "A shell command (run with C(/bin/sh -c)) that checks each new release before it goes live, for example"
            " V(python -m pytest -q tests).",
            "It runs as the application's user, with its settings and secrets, in the release's code directory, with the"
            " release's environment first on C(PATH); a non-zero exit removes the release and stops the play, and the live"
            " release keeps serving.",
        ],
    },
    "release_command": {
        "spec": {"type": "str"},
        "null_ok": True,
        "check": _check_release_command,
        "default": "none",
        "summary": (
            "A command run once per deploy in the new release, after its checks and before the switch, e.g."
            " `flask --app shop db upgrade` (see Release commands, processes and jobs)."
        ),
        "doc": [
            "A shell command (run with C(/bin/sh -c)) run once per deploy in the new release, for example database"
            " migrations (V(flask --app shop db upgrade)): after the release's checks and before it goes live, on the"
            " first host of the batch that builds the release (the others do not run it again), as the application's"
            " user, with its settings and secrets, in its sandbox.",
            "A non-zero exit stops the deploy with the command's output; the release is removed and the live release"
            " keeps serving. The live release serves until the switch: a migration must leave a database the live release"
            " can still use.",
        ],
    },
    "processes": {
        "spec": {"type": "dict"},
        "check": _check_processes,
        "default": "`{}`",
        "summary": (
            "Long-running commands beside the web process, e.g. `{worker: rq worker shop}` or"
            " `{worker: {command: ..., instances: 2, stop_timeout: 60}}`: systemd units `flaskstack-NAME_TYPE@N`."
        ),
        "doc": [
            "Process types: named long-running commands beside the web process (queue workers, for example), each a"
            " command line or a dictionary with C(command), C(instances) (default V(1)) and C(stop_timeout) (seconds a"
            " process gets to finish its work when it is stopped, default V(30)).",
            "Each instance is a systemd unit C(flaskstack-NAME_TYPE@N.service) that runs the command as the application's"
            " user, with its settings and secrets, in its live release and its sandbox; it starts at boot and again when it"
            " exits. After a switch to a new release (or new settings) the instances are restarted onto it: each gets"
            " C(SIGTERM) (its main process only) and C(stop_timeout) seconds to finish the job in hand. A process type or"
            " instance taken out of the list is stopped and its unit removed.",
        ],
    },
    "jobs": {
        "spec": {"type": "dict"},
        "check": _check_jobs,
        "default": "`{}`",
        "summary": (
            "Scheduled commands, e.g. `{cleanup: {command: flask --app shop purge, on_calendar: daily}}`, with"
            " `randomized_delay` (0 s), `persistent` (true), `timeout` (3600 s): systemd timers `flaskstack-NAME_JOB`."
        ),
        "doc": [
            "Scheduled jobs: named commands run by a systemd timer C(flaskstack-NAME_JOB.timer), each a dictionary with"
            " C(command), C(on_calendar) (a systemd calendar expression: V(daily), V(*-*-* 03:00:00)), C(randomized_delay)"
            " (seconds, default V(0)), C(persistent) (a run missed while the host was off runs at boot, default V(true))"
            " and C(timeout) (seconds, default V(3600)).",
            "Each run is the oneshot service C(flaskstack-NAME_JOB.service): the command as the application's user, with"
            " its settings and secrets, in its live release and its sandbox, logged to the journal; a failing run leaves"
            " the service failed (C(systemctl --failed)) until the next one passes.",
        ],
    },
    "settings_files": {
        "spec": {"type": "list", "elements": "dict"},
        "check": _check_settings_files,
        "default": "`[]`",
        "summary": (
            "Settings files in a shared directory, e.g. `[{dest: instance/settings.cfg, content: ...}]` (or `template`):"
            " root's, readable by the app's group only, never printed; a change restarts the app."
        ),
        "doc": [
            "Files the application reads its settings from (for example with Flask's C(app.config.from_pyfile) in its"
            " instance folder), each a dictionary with C(dest), a file directly in one of the application's C(shared_dirs)"
            " (V(instance/settings.cfg)), and either C(content) (the text, which may come from vaulted variables) or"
            " C(template) (a Jinja template file on the controller, rendered with the application's layout as C(item)).",
            "Written to C(/srv/flaskstack/NAME/shared/DEST), owned by root, group the application's, mode 0640. Their content"
            " is never printed (not with C(-v), not with C(--diff)) unless C(secret) is V(false). A change restarts the"
            " application (and its processes) as a change of C(env) does.",
        ],
    },
    "tls": {
        "spec": {"type": "raw"},
        "check": _check_tls,
        "default": "on, self-signed",
        "summary": (
            "HTTPS: `false`, or `{certificate_file, private_key_file}`, `{certificate, private_key}` (PEM text, vaulted),"
            " `{acme: true}`, with `port` (443), `redirect` (true), `hsts_max_age` (see Security)."
        ),
        "doc": [
            "HTTPS for this application. Default (no key, or V({})) on, with a self-signed certificate made on the host for"
            " its server names; V(false) for none (plain HTTP only).",
            "A dictionary with: C(certificate) and C(private_key) (PEM text, for example vaulted variables), or"
            " C(certificate_file) and C(private_key_file) (PEM files on the controller), or C(acme=true) (a certificate from"
            " an ACME CA through certbot, see the tls role); C(port) (default V(443)); C(redirect) (default V(true): the HTTP"
            " port answers with a redirect to HTTPS); C(hsts_max_age) (seconds; default V(63072000) with a given or ACME"
            " certificate, V(0), no HSTS, with a self-signed one).",
            "A given certificate must match its key; this is checked on the controller before anything changes.",
        ],
    },
    "headers": {
        "spec": {"type": "dict"},
        "check": _check_headers,
        "default": "security headers",
        "summary": (
            "Response headers over the collection's (`nosniff`, `SAMEORIGIN`, `strict-origin-when-cross-origin`);"
            " null drops one."
        ),
        "doc": [
            "Response headers the web server adds to every answer, over the collection's security headers"
            " (C(X-Content-Type-Options=nosniff), C(X-Frame-Options=SAMEORIGIN),"
            " C(Referrer-Policy=strict-origin-when-cross-origin)); a null value leaves one out.",
        ],
    },
    "writable_paths": {
        "spec": {"type": "list", "elements": "str"},
        "check": _check_writable_paths,
        "default": "`[]`",
        "summary": "Absolute paths outside the release the app may write to (with `shared_dirs`, the only ones its sandbox allows).",
        "doc": [
            "Absolute paths outside the release that the application may write to; with the application's"
            " C(shared_dirs), the only places its sandbox (C(ProtectSystem=strict)) lets it write.",
        ],
    },
    "wheelhouse": {
        "spec": {"type": "str"},
        "null_ok": True,
        "check": _check_wheelhouse,
        "default": "none",
        "summary": "A directory of wheels on the controller: the packages are installed from it, without a package index.",
        "doc": [
            "A directory of wheels on the controller (for example made with C(pip download)) from which the packages"
            " are installed, without a package index (C(pip install --no-index --find-links)).",
            "It must hold a wheel for every requirement, the C(packages), the app server's packages and Werkzeug,"
            " for the host's Python version and machine. Its content is part of the dependency environment's digest.",
        ],
    },
}


def app_problems(index, app, app_server, web_server, variable, runtime=None):
    """Yield the problems with one application (an entry of the list at index)."""
    where = f"{variable}[{index}]"
    if not isinstance(app, dict):
        yield f"{where}: each application must be a dictionary with at least 'name', 'source' and 'entry_point'."
        return
    name_problems = list(_check_name(where, app.get("name"), app))
    yield from name_problems
    if not name_problems:
        where = f"{variable}[{index}] ({app['name']})"
    unknown = sorted(set(app) - set(APP_KEYS))
    if unknown:
        yield f"{where}: unknown key(s) {', '.join(map(repr, unknown))}; allowed keys: {', '.join(sorted(APP_KEYS))}."
    if not is_present(app):
        # Only what removing it needs.
        for key in ("state", "keep_data", "user"):
            if key in app:
                yield from APP_KEYS[key]["check"](where, app[key], app)
        return
    for key, entry in APP_KEYS.items():
        if key == "name":
            continue
        if key in app and not (app[key] is None and entry.get("null_ok")):
            yield from entry["check"](where, app[key], app)
        elif entry.get("required"):
            yield from entry["check"](where, None, app)
    server = app.get("app_server", app_server)
    # An unknown web server is the host's error, said once (app_errors).
    if server in pairings.APP_SERVERS and web_server in pairings.WEB_SERVERS:
        yield from pairings.pairing_errors(server, web_server, f"{where}.app_server", "flaskstack_web_server")
    chosen = app.get("runtime", runtime or containers.DEFAULT_RUNTIME)
    if chosen == "container":
        if server not in containers.APP_SERVERS:
            yield (
                f"{where}: the container runtime does not run {server} (mod_wsgi runs in an Apache, not in a"
                f" container of ours); choose app_server {' or '.join(containers.APP_SERVERS)}, or runtime virtualenv."
            )
        if app.get("wheelhouse"):
            yield f"{where}.wheelhouse: not supported with the container runtime in this version (the image is built with a package index)."
        for key in ("release_command", "processes", "jobs", "settings_files"):
            if app.get(key):
                yield f"{where}.{key}: not supported with the container runtime in this version; use runtime virtualenv."
        for key, value in sorted((app.get("env") or {}).items()) + sorted((app.get("secret_env") or {}).items()):
            if isinstance(value, str) and ("\n" in value or "\r" in value):
                yield f"{where}: the value of {key} has a line break, which cannot be passed to a container (Docker's --env-file)."
    elif "image" in app:
        yield f"{where}.image: only for runtime container (this application's runtime is {chosen})."


def check_key(apps, app_server=None, web_server=None, runtime=None):
    """A digest of what app_errors depends on, so that a list is checked once
    per play: the list (secret values left out: the digest is shown in logs,
    and a secret's value cannot make a list invalid once it is a string) and
    the pairing."""

    def without_secrets(app):
        if not isinstance(app, dict) or not isinstance(app.get("secret_env"), dict):
            return app
        return dict(app, secret_env={k: type(v).__name__ for k, v in app["secret_env"].items()})

    listed = [without_secrets(a) for a in apps] if isinstance(apps, list) else apps
    text = json.dumps([listed, app_server, web_server, runtime], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def app_errors(apps, app_server=None, web_server=None, variable="flaskstack_apps", runtime=None):
    """The problems with an application list (empty when it is valid): each
    application's keys, the pairing, and names, ports and host names that two
    applications would claim. app_server, web_server: the host's (None: the
    pairing table's defaults)."""
    app_server = app_server or pairings.DEFAULT_APP_SERVER
    web_server = web_server or pairings.DEFAULT_WEB_SERVER
    errors = list(pairings.pairing_errors(app_server, web_server))
    if runtime is not None and runtime not in containers.RUNTIMES:
        errors.append(f"flaskstack_app_runtime: {runtime!r} is not a runtime; choose one of: {', '.join(containers.RUNTIMES)}.")
    if not isinstance(apps, list):
        return errors + [f"{variable} must be a list of applications, got {type(apps).__name__}."]
    for index, app in enumerate(apps):
        errors.extend(app_problems(index, app, app_server, web_server, variable, runtime))
    names = [a.get("name") for a in apps if isinstance(a, dict)]
    for dup in sorted({n for n in names if n and names.count(n) > 1}):
        errors.append(f"{variable}: the name {dup!r} is used by more than one application.")
    present = [a for a in apps if is_present(a)]
    errors.extend(_claim_errors(present, variable))
    errors.extend(_backend_port_errors(present, app_server, web_server, variable))
    return errors


def _backend_port_errors(apps, app_server, web_server, variable):
    """Two applications whose app servers would listen on the same loopback TCP
    port, or one on a port the web server listens on."""
    web_ports = {port: app.get("name") for app in apps if isinstance(app, dict) for port, _ in _listens(app)}
    taken = {}
    for app in apps:
        if not isinstance(app, dict) or not isinstance(app.get("name"), str) or not NAME_RE.match(app["name"]):
            continue
        server = app.get("app_server", app_server)
        if server not in pairings.APP_SERVERS or web_server not in pairings.WEB_SERVERS:
            continue
        entry = pairings.APP_SERVERS[server]
        if entry["hosted_by"] == web_server or entry["listens"] != "tcp":
            continue
        port = backend_port(app)
        if not _is_int(port):
            continue
        if port in web_ports:
            yield (
                f"{variable}: {app['name']!r} would have its app server listen on port {port}, where the web server"
                f" listens for {web_ports[port]!r}; set another backend_port for {app['name']!r}."
            )
        if port in taken:
            yield (
                f"{variable}: the app servers of {taken[port]!r} and {app['name']!r} would both listen on port {port};"
                " set backend_port for one of them."
            )
        taken.setdefault(port, app["name"])


def _listens(app):
    """The ports an application's virtual hosts listen on: [(port, scheme)],
    its HTTP port and, unless HTTPS is off, its HTTPS port."""
    ports = [(app.get("port", 80), "HTTP"), (tls.https_port(app), "HTTPS")]
    return [(port, scheme) for port, scheme in ports if _is_int(port)]


def _claim_errors(apps, variable):
    """Two applications that would claim the same host name on the same port,
    or one port that would serve HTTP for one application and HTTPS for another."""
    claims, schemes = {}, {}
    for app in apps:
        if not isinstance(app, dict):
            continue
        for port, scheme in _listens(app):
            if port in schemes and schemes[port][0] != scheme:
                other_scheme, other = schemes[port]
                yield (
                    f"{variable}: port {port} would serve {other_scheme} for {other!r} and {scheme} for {app.get('name')!r};"
                    " one port speaks one of them: give one of the applications another port."
                )
            schemes.setdefault(port, (scheme, app.get("name")))
            names = app.get("server_names")
            for server_name in names if isinstance(names, list) else []:
                if not isinstance(server_name, str):
                    continue
                key = (server_name, port)
                if key in claims and claims[key] != app.get("name"):
                    yield f"{variable}: {server_name}:{port} is claimed by both {claims[key]!r} and {app.get('name')!r}."
                claims.setdefault(key, app.get("name"))


def argument_spec():
    """The options of an application in the app role's argument specification."""
    options = {}
    for key, entry in APP_KEYS.items():
        spec = dict(entry["spec"])
        option = {"type": spec.pop("type")}
        for field in ("elements", "default", "choices", "no_log"):
            if field in spec:
                option[field] = spec.pop(field)
        option["description"] = list(entry["doc"]) if len(entry["doc"]) > 1 else entry["doc"][0]
        if "options" in spec:
            option["options"] = spec.pop("options")
        options[key] = option
    return options


def readme_table():
    """The README's table of the keys of an application (Markdown)."""
    rows = ["| Key | Default | Meaning |", "|-----|---------|---------|"]
    for key, entry in APP_KEYS.items():
        rows.append(f"| `{key}` | {entry['default']} | {entry['summary']} |")
    return "\n".join(rows) + "\n"


# The marked parts of the files written from the schema (scripts/gen-schema).
SPEC_BEGIN = "        # BEGIN the application schema (plugins/module_utils/schema.py), written by scripts/gen-schema"
SPEC_END = "        # END the application schema"
README_BEGIN = "<!-- BEGIN the application schema (plugins/module_utils/schema.py), written by scripts/gen-schema -->"
README_END = "<!-- END the application schema -->"


def argument_spec_yaml(indent=8):
    """The "options:" of app_apps in the app role's argument specification, as YAML text."""
    import yaml

    class Dumper(yaml.SafeDumper):
        """Lists indented under their key, as yamllint and the rest of the specification have them."""

        def increase_indent(self, flow=False, indentless=False):
            return super().increase_indent(flow, False)

    text = yaml.dump({"options": argument_spec()}, Dumper=Dumper, sort_keys=False, width=120, default_flow_style=False, allow_unicode=True)
    return "".join(" " * indent + line if line.strip() else line for line in text.splitlines(True))


def replace_marked(text, begin, end, content):
    """text with what lies between the lines begin and end replaced by content."""
    head, sep, rest = text.partition(begin + "\n")
    if not sep:
        raise ValueError(f"no line {begin!r}")
    _, sep, tail = rest.partition(end)
    if not sep:
        raise ValueError(f"no line {end!r}")
    return head + begin + "\n" + content + end + tail
