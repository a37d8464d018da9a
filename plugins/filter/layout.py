# Copyright: contributors to flaskstack.deploy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one place where an application's derived names are computed and its definition is checked."""

from __future__ import annotations

import re

DOCUMENTATION = r"""
  name: app_layouts
  author: flaskstack.deploy contributors
  version_added: "0.1.0"
  short_description: Normalise a list of flaskstack applications and derive their names and paths
  description:
    - Checks every application in the list (see R(flaskstack_apps,flaskstack_apps) in the collection README)
      and returns one dictionary per application with its defaults filled in and every derived name
      (system user, directories, socket path, systemd unit, web server site file) computed.
    - Secret values (C(secret_env)) are not copied into the result; only their names are (C(secret_env_keys)).
    - Raises an error naming the variable and the allowed values when the list is invalid.
  options:
    _input:
      description: The list of applications.
      type: list
      elements: dict
      required: true
    app_server:
      description: The default app server, for applications that do not name their own.
      type: str
      default: gunicorn
    web_server:
      description: The web server of the host.
      type: str
      default: nginx
    variable:
      description: The variable name to use in error messages.
      type: str
      default: flaskstack_apps
"""

EXAMPLES = r"""
- name: Show where the socket of each application lives
  ansible.builtin.debug:
    msg: "{{ item.name }}: {{ item.socket_path }}"
  loop: "{{ flaskstack_apps | flaskstack.deploy.app_layouts(app_server='gunicorn', web_server='nginx') }}"

- name: Stop before any change when the application list is invalid
  ansible.builtin.assert:
    that: (flaskstack_apps | flaskstack.deploy.app_errors) == []
    fail_msg: "{{ flaskstack_apps | flaskstack.deploy.app_errors | join(' ') }}"
"""

RETURN = r"""
  _value:
    description: One dictionary per application (app_layouts) or a list of error messages (app_errors).
    type: list
"""

APP_SERVERS = ("gunicorn", "uwsgi", "mod_wsgi")
WEB_SERVERS = ("nginx", "apache")
# The pairings this version of the collection can deploy.
SUPPORTED_PAIRINGS = (
    ("gunicorn", "nginx"),
    ("gunicorn", "apache"),
    ("uwsgi", "nginx"),
    ("uwsgi", "apache"),
    ("mod_wsgi", "apache"),
)
# Pairings refused on purpose, with the reason.
REFUSED_PAIRINGS = {
    ("mod_wsgi", "nginx"): (
        "mod_wsgi runs inside Apache; behind Nginx it would need mod_wsgi-express, a second Apache"
        " that listens on a TCP port any local user can reach (bypassing Nginx) and that is compiled"
        " on the server (a compiler and apache2-dev). Use uwsgi + nginx or gunicorn + nginx, or mod_wsgi + apache."
    ),
}

BASE_DIR = "/srv/flaskstack"
CONFIG_DIR = "/etc/flaskstack"
RUN_DIR = "/run/flaskstack"

NAME_RE = re.compile(r"^[a-z][a-z0-9-]{0,30}$")
ENTRY_POINT_RE = re.compile(r"^(?P<module>[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*):(?P<attr>[A-Za-z_]\w*)(?P<call>\(\))?$")
ENV_KEY_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
SERVER_NAME_RE = re.compile(r"^(?:\*\.)?[A-Za-z0-9_.-]+$")
URL_PREFIX_RE = re.compile(r"^/(?:[A-Za-z0-9._~-]+/)*$")
URL_PATH_RE = re.compile(r"^(?:[A-Za-z0-9._~-]+/)*$")
RELATIVE_PATH_RE = re.compile(r"^(?!/)(?!.*(?:^|/)\.\.(?:/|$))[A-Za-z0-9._/+-]+$")

APP_KEYS = {
    "name": "the application's name (lower case letters, digits and '-', at most 31 characters)",
    "source": "where the code comes from: {path: DIR} on the controller or {git: URL, version: REF}",
    "entry_point": "the WSGI callable, 'module:app' or 'module:create_app()'",
    "server_names": "the host names the web server answers for this application",
    "port": "the TCP port the web server listens on for this application",
    "url_prefix": "the path the application is mounted under, ending with '/'",
    "env": "plain environment variables for the application",
    "secret_env": "secret environment variables for the application",
    "static_dir": "the static folder, relative to the code, served by the web server (false: none)",
    "static_url": "the URL path of the static folder, relative to url_prefix",
    "requirements": "the requirements file, relative to the code",
    "packages": "extra Python packages to install into the virtualenv",
    "health_path": "the path of the application's health endpoint",
    "app_server": "the app server of this application: " + ", ".join(APP_SERVERS),
    "user": "the system user the application runs as (default: its name)",
    "workers": "the number of worker processes (default: from the host's CPU count)",
    "trusted_proxies": "how many proxies stand in front of the application (ProxyFix); 0 turns it off",
    "shared_dirs": "directories inside the code that every release shares (uploads, the instance folder)",
    "test_command": "a command run in each new release, with its virtualenv, before it gets traffic",
    "tls": "HTTPS for this application: false for none, or a dictionary (default: on, with a self-signed certificate)",
    "headers": "response headers the web server adds, over the collection's security headers (null removes one)",
    "writable_paths": "absolute paths outside the release that the application may write to (its sandbox)",
    "wheelhouse": "a directory of wheels on the controller to install the packages from, without a package index",
}

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
# Mozilla's HSTS recommendation (two years); sent by default with a certificate
# a browser trusts (given or ACME), not with a self-signed one, which a browser
# would then refuse to let its user click through.
HSTS_MAX_AGE = 63072000
# The headers the web server adds to every answer. An application that sets its
# own frame or referrer policy leaves the web server's out with
# "headers: {X-Frame-Options: null}".
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "SAMEORIGIN",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}
HEADER_NAME_RE = re.compile(r"^[A-Za-z0-9-]+$")
TLS_DIR = "/etc/flaskstack/tls"
# certbot writes the ACME challenges here; the web server answers them from here.
ACME_WEBROOT = "/var/lib/flaskstack/acme"

def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _check_app(index, app, app_server, web_server, variable):
    """Yield the error messages for one application."""
    where = f"{variable}[{index}]"
    if not isinstance(app, dict):
        yield f"{where}: each application must be a dictionary with at least 'name', 'source' and 'entry_point'."
        return
    name = app.get("name")
    if name is None or name == "":
        yield f"{where}.name is missing: every application needs a name (lower case letters, digits and '-')."
    elif not isinstance(name, str) or not NAME_RE.match(name):
        yield (
            f"{where}.name: {name!r} is not a valid name; use lower case letters, digits and '-',"
            " starting with a letter, at most 31 characters."
        )
    else:
        where = f"{variable}[{index}] ({name})"

    unknown = sorted(set(app) - set(APP_KEYS))
    if unknown:
        yield f"{where}: unknown key(s) {', '.join(map(repr, unknown))}; allowed keys: {', '.join(sorted(APP_KEYS))}."

    source = app.get("source")
    if not isinstance(source, dict) or not (source.get("path") or source.get("git")):
        yield (
            f"{where}.source is missing: give either {{path: DIR}} (a directory on the controller)"
            " or {git: URL, version: REF} (a branch, tag or commit)."
        )
    else:
        if source.get("path") and source.get("git"):
            yield f"{where}.source: give either 'path' or 'git', not both."
        extra = sorted(set(source) - {"path", "git", "version"})
        if extra:
            yield f"{where}.source: unknown key(s) {', '.join(map(repr, extra))}; allowed keys: git, path, version."
        if source.get("path") and "version" in source:
            yield f"{where}.source.version only applies to a git source."

    entry_point = app.get("entry_point")
    if entry_point is None:
        yield f"{where}.entry_point is missing: use 'module:app' or 'module:create_app()'."
    elif not isinstance(entry_point, str) or not ENTRY_POINT_RE.match(entry_point):
        yield (
            f"{where}.entry_point: {entry_point!r} is not a WSGI entry point;"
            " use 'module:app' or 'module:create_app()' (for example 'myapp.wsgi:app')."
        )

    port = app.get("port", 80)
    if not _is_int(port) or not 1 <= port <= 65535:
        yield f"{where}.port: {port!r} is out of range; use a whole number from 1 to 65535."

    server_names = app.get("server_names")
    if server_names is not None and (
        not isinstance(server_names, list)
        or not server_names
        or not all(isinstance(s, str) and SERVER_NAME_RE.match(s) for s in server_names)
    ):
        yield f"{where}.server_names: {server_names!r} must be a non-empty list of host names."

    prefix = app.get("url_prefix", "/")
    if not isinstance(prefix, str) or not URL_PREFIX_RE.match(prefix):
        yield f"{where}.url_prefix: {prefix!r} must start and end with '/' (for example '/' or '/shop/')."

    for key in ("env", "secret_env"):
        values = app.get(key, {})
        if not isinstance(values, dict):
            yield f"{where}.{key} must be a dictionary of NAME: value."
            continue
        bad = sorted(str(k) for k in values if not isinstance(k, str) or not ENV_KEY_RE.match(k))
        if bad:
            yield f"{where}.{key}: {', '.join(bad)} are not valid environment variable names."

    static_dir = app.get("static_dir", "static")
    if static_dir is not False and (not isinstance(static_dir, str) or not RELATIVE_PATH_RE.match(static_dir)):
        yield f"{where}.static_dir: {static_dir!r} must be a path inside the code (no '..'), or false for none."
    static_url = app.get("static_url", "static/")
    if not isinstance(static_url, str) or not URL_PATH_RE.match(static_url.strip("/") + "/"):
        yield f"{where}.static_url: {static_url!r} must be a URL path such as 'static/'."
    requirements = app.get("requirements", "requirements.txt")
    if not isinstance(requirements, str) or not RELATIVE_PATH_RE.match(requirements):
        yield f"{where}.requirements: {requirements!r} must be a file path inside the code (no '..')."
    packages = app.get("packages", [])
    if not isinstance(packages, list) or not all(isinstance(p, str) and p for p in packages):
        yield f"{where}.packages must be a list of package names (for example ['psycopg[binary]'])."
    health_path = app.get("health_path", "/health")
    if not isinstance(health_path, str) or not URL_PATH_RE.match(health_path.lstrip("/") + "/") or not health_path.startswith("/"):
        yield f"{where}.health_path: {health_path!r} must be a URL path starting with '/'."

    shared_dirs = app.get("shared_dirs", [])
    if (
        not isinstance(shared_dirs, list)
        or not all(isinstance(d, str) and RELATIVE_PATH_RE.match(d.strip("/")) for d in shared_dirs)
        or len({d.strip("/") for d in shared_dirs}) != len(shared_dirs)
    ):
        yield f"{where}.shared_dirs: {shared_dirs!r} must be a list of distinct paths inside the code (no '..')."
    test_command = app.get("test_command")
    if test_command is not None and (not isinstance(test_command, str) or not test_command.strip()):
        yield f"{where}.test_command: {test_command!r} must be a command line, or left out."

    yield from _check_tls(where, app)

    headers = app.get("headers", {})
    if not isinstance(headers, dict) or not all(
        isinstance(k, str) and HEADER_NAME_RE.match(k) and (v is None or (isinstance(v, str) and "\n" not in v and '"' not in v))
        for k, v in headers.items()
    ):
        yield f"{where}.headers: {headers!r} must map header names to values (text without quotes), or to null to drop one."
    writable = app.get("writable_paths", [])
    if not isinstance(writable, list) or not all(
        isinstance(p, str) and p.startswith("/") and RELATIVE_PATH_RE.match(p.lstrip("/")) for p in writable
    ):
        yield f"{where}.writable_paths: {writable!r} must be a list of absolute paths (no '..')."

    wheelhouse = app.get("wheelhouse")
    if wheelhouse is not None and (not isinstance(wheelhouse, str) or not wheelhouse.strip()):
        yield f"{where}.wheelhouse: {wheelhouse!r} must be a directory on the controller, or left out."

    user = app.get("user", name)
    if "user" in app and (not isinstance(user, str) or not re.match(r"^[a-z_][a-z0-9_-]{0,31}$", user)):
        yield f"{where}.user: {user!r} is not a valid system user name."

    for key in ("workers", "trusted_proxies"):
        if key in app:
            low = 0 if key == "trusted_proxies" else 1
            if not _is_int(app[key]) or app[key] < low:
                yield f"{where}.{key}: {app[key]!r} must be a whole number of at least {low}."

    yield from _check_pairing(app.get("app_server", app_server), web_server, f"{where}.app_server", "flaskstack_web_server")


def _check_tls(where, app):
    tls = app.get("tls", {})
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


def _check_pairing(app_server, web_server, app_variable="flaskstack_app_server", web_variable="flaskstack_web_server"):
    supported = ", ".join(f"{a} + {w}" for a, w in SUPPORTED_PAIRINGS)
    if app_server not in APP_SERVERS:
        yield f"{app_variable}: {app_server!r} is not an app server; choose one of: {', '.join(APP_SERVERS)}."
    elif web_server not in WEB_SERVERS:
        yield f"{web_variable}: {web_server!r} is not a web server; choose one of: {', '.join(WEB_SERVERS)}."
    elif (app_server, web_server) in REFUSED_PAIRINGS:
        yield (
            f"{app_variable}/{web_variable}: the pairing {app_server} + {web_server} is refused:"
            f" {REFUSED_PAIRINGS[(app_server, web_server)]} Supported pairings: {supported}."
        )
    elif (app_server, web_server) not in SUPPORTED_PAIRINGS:
        yield (
            f"{app_variable}/{web_variable}: the pairing {app_server} + {web_server} is not supported"
            f" by this version of the collection; supported pairings: {supported}."
        )


def app_errors(apps, app_server="gunicorn", web_server="nginx", variable="flaskstack_apps"):
    """Return the list of problems with an application list (empty when it is valid)."""
    errors = list(_check_pairing(app_server, web_server))
    if not isinstance(apps, list):
        return errors + [f"{variable} must be a list of applications, got {type(apps).__name__}."]
    for index, app in enumerate(apps):
        errors.extend(_check_app(index, app, app_server, web_server, variable))
    names = [a.get("name") for a in apps if isinstance(a, dict)]
    for dup in sorted({n for n in names if n and names.count(n) > 1}):
        errors.append(f"{variable}: the name {dup!r} is used by more than one application.")
    seen = {}
    for app in apps:
        if not isinstance(app, dict) or not isinstance(app.get("server_names"), list):
            continue
        for server_name in app["server_names"]:
            key = (server_name, app.get("port", 80))
            if key in seen and seen[key] != app.get("name"):
                errors.append(
                    f"{variable}: {server_name}:{key[1]} is claimed by both {seen[key]!r} and {app.get('name')!r}."
                )
            seen.setdefault(key, app.get("name"))
    return errors


def _layout(app, app_server, web_server):
    name = app["name"]
    match = ENTRY_POINT_RE.match(app["entry_point"])
    base_dir = f"{BASE_DIR}/{name}"
    # Every path the servers use goes through "current", the link to the live release.
    current = f"{base_dir}/current"
    code_dir = f"{current}/app"
    static_dir = app.get("static_dir", "static")
    prefix = app.get("url_prefix", "/")
    unit = f"flaskstack-{name}"
    server = app.get("app_server", app_server)
    # mod_wsgi runs the application inside Apache's own daemon processes: no
    # socket or unit of its own, and no proxy in front of it.
    in_apache = server == "mod_wsgi"
    tls = app.get("tls", {})
    tls = dict(tls) if isinstance(tls, dict) else None
    if tls is None:
        tls_source = None
    elif tls.get("acme"):
        tls_source = "acme"
    elif tls.get("certificate"):
        tls_source = "pem"
    elif tls.get("certificate_file"):
        tls_source = "file"
    else:
        tls_source = "self_signed"
    tls_port = (tls or {}).get("port", 443)
    hsts = (tls or {}).get("hsts_max_age", 0 if tls_source == "self_signed" else HSTS_MAX_AGE) if tls is not None else 0
    headers = dict(SECURITY_HEADERS)
    headers.update(app.get("headers", {}))
    headers = {k: v for k, v in headers.items() if v is not None}
    tls_headers = dict(headers)
    if hsts:
        tls_headers.setdefault("Strict-Transport-Security", f"max-age={hsts}")
    health_base = f"https://127.0.0.1:{tls_port}" if tls is not None else f"http://127.0.0.1:{app.get('port', 80)}"
    return {
        "name": name,
        "user": app.get("user", name),
        "group": app.get("user", name),
        "app_server": server,
        "web_server": web_server,
        "source": dict(app["source"]),
        "entry_point": app["entry_point"],
        "entry_module": match.group("module"),
        "entry_attr": match.group("attr"),
        "entry_call": bool(match.group("call")),
        "server_names": list(app.get("server_names") or [f"{name}.localhost"]),
        "port": app.get("port", 80),
        "url_prefix": prefix,
        "forwarded_prefix": prefix.rstrip("/"),
        "env": dict(app.get("env", {})),
        "secret_env_keys": sorted(app.get("secret_env", {})),
        "requirements": app.get("requirements", "requirements.txt"),
        "packages": list(app.get("packages", [])),
        "health_path": app.get("health_path", "/health"),
        "workers": app.get("workers"),
        "trusted_proxies": app.get("trusted_proxies", 0 if in_apache else 1),
        "shared_dirs": [d.strip("/") for d in app.get("shared_dirs", [])],
        "test_command": app.get("test_command"),
        "health_url": f"{health_base}{prefix.rstrip('/')}{app.get('health_path', '/health')}",
        "health_host": next(iter(app.get("server_names") or [f"{name}.localhost"])).replace("*.", "health.", 1),
        "base_dir": base_dir,
        "current_link": current,
        "previous_link": f"{base_dir}/previous",
        "releases_dir": f"{base_dir}/releases",
        "shared_dir": f"{base_dir}/shared",
        "shared_paths": [f"{base_dir}/shared/{d.strip('/')}" for d in app.get("shared_dirs", [])],
        "repo_dir": f"{base_dir}/repo",
        "envs_dir": f"{base_dir}/envs",
        "wheelhouse": app.get("wheelhouse"),
        "code_dir": code_dir,
        "venv_dir": f"{current}/venv",
        "wsgi_dir": f"{current}/wsgi",
        "wsgi_module": "flaskstack_wsgi",
        "wsgi_file": f"{current}/wsgi/flaskstack_wsgi.py",
        "static_dir": f"{code_dir}/{static_dir.strip('/')}" if static_dir else None,
        "static_url": prefix + app.get("static_url", "static/").strip("/") + "/",
        "config_dir": f"{CONFIG_DIR}/{name}",
        "env_file": f"{CONFIG_DIR}/{name}/app.env",
        "secrets_file": f"{CONFIG_DIR}/{name}/secrets.env",
        "socket_path": None if in_apache else f"{RUN_DIR}/{name}.sock",
        # uWSGI's master FIFO (its workers reload), in the unit's own runtime directory.
        "runtime_dir": None if in_apache else unit,
        "control_fifo": f"/run/{unit}/master.fifo" if server == "uwsgi" else None,
        "upstream": f"flaskstack_{name.replace('-', '_')}",
        "service_unit": "apache2.service" if in_apache else f"{unit}.service",
        "socket_unit": None if in_apache else f"{unit}.socket",
        "app_units": [] if in_apache else [f"{unit}.socket", f"{unit}.service"],
        # How a new release goes live: the unit's reload (Gunicorn: SIGHUP; uWSGI:
        # its workers reload), or for mod_wsgi SIGUSR1 to the app's daemon
        # processes, which finish their requests and are started again by Apache,
        # which holds their listening socket meanwhile (an Apache graceful reload
        # replaces that socket and drops the connections queued on it).
        "reload_command": (
            [
                "/bin/sh",
                "-c",
                # Exit status 1: no daemon process runs yet (Apache has not loaded the site); nothing to restart.
                'pkill --signal USR1 --uid "$1" --parent "$(systemctl show --property MainPID --value apache2.service)";'
                ' test "$?" -le 1',
                "sh",
                app.get("user", name),
            ]
            if in_apache
            else ["systemctl", "reload", f"{unit}.service"]
        ),
        # HTTPS: where the certificate and key live (root only), where they come from.
        "tls": tls is not None,
        "tls_source": tls_source,
        "tls_port": tls_port,
        "tls_redirect": tls is not None and tls.get("redirect", True),
        "tls_dir": f"{TLS_DIR}/{name}",
        "tls_cert_path": f"{TLS_DIR}/{name}/fullchain.pem",
        "tls_key_path": f"{TLS_DIR}/{name}/privkey.pem",
        "acme_webroot": ACME_WEBROOT,
        "tls_certificate_file": (tls or {}).get("certificate_file"),
        "tls_private_key_file": (tls or {}).get("private_key_file"),
        "hsts_max_age": hsts,
        # Headers for plain HTTP answers, and for HTTPS ones (with HSTS).
        "headers": headers,
        "tls_headers": tls_headers,
        # What the app server may write to: the shared directories, and the app's writable_paths.
        "writable_paths": [f"{base_dir}/shared/{d.strip('/')}" for d in app.get("shared_dirs", [])]
        + list(app.get("writable_paths", [])),
        "process_group": f"flaskstack-{name}",
        "site_name": f"{unit}.conf",
    }


def app_layouts(apps, app_server="gunicorn", web_server="nginx", variable="flaskstack_apps"):
    """Return the normalised applications with their derived names; raise on an invalid list."""
    errors = app_errors(apps, app_server, web_server, variable)
    if errors:
        # Imported here so that the unit tests can run without Ansible installed.
        from ansible.errors import AnsibleFilterError

        raise AnsibleFilterError(" ".join(errors))
    return [_layout(app, app_server, web_server) for app in apps]


# Mozilla's "intermediate" TLS configuration (version 5.7) for the OpenSSL 3 of
# Debian 12 and 13: TLS 1.2 and 1.3 only, forward secrecy, AEAD ciphers.
# https://ssl-config.mozilla.org/ ; "modern": TLS 1.3 only.
TLS_PROFILES = {
    "intermediate": {
        "protocols": ["TLSv1.2", "TLSv1.3"],
        "ciphers": (
            "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
            "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
            "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305"
        ),
        "curves": "X25519:prime256v1:secp384r1",
        "prefer_server_ciphers": False,
    },
    "modern": {
        "protocols": ["TLSv1.3"],
        "ciphers": "",
        "curves": "X25519:prime256v1:secp384r1",
        "prefer_server_ciphers": False,
    },
}


def tls_profile(name="intermediate"):
    """The protocols, ciphers and curves of a Mozilla TLS profile."""
    if name not in TLS_PROFILES:
        from ansible.errors import AnsibleFilterError

        raise AnsibleFilterError(f"{name!r} is not a TLS profile; choose one of: {', '.join(TLS_PROFILES)}.")
    return dict(TLS_PROFILES[name])


def env_file_line(key, value):
    """One line of a systemd EnvironmentFile, quoted so that the value arrives unchanged."""
    text = "" if value is None else str(value)
    if isinstance(value, bool):
        text = "true" if value else "false"
    # systemd keeps a backslash-escaped \\ " ` $ literally inside double quotes; newlines may stand as they are.
    escaped = re.sub(r'([\\"`$])', r"\\\1", text)
    return f'{key}="{escaped}"'


class FilterModule:
    """flaskstack.deploy layout filters."""

    def filters(self):
        return {
            "app_layouts": app_layouts,
            "app_errors": app_errors,
            "env_file_line": env_file_line,
            "tls_profile": tls_profile,
        }
