# Copyright: contributors to flaskstack.deploy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every derived name of an application (user, directories, socket, units, web
server site, certificate paths), computed in one place from its definition.

The roles, the templates and the tests read the names from here (the filter
flaskstack.deploy.app_layouts); the unit tests pin the literal paths.
"""

from __future__ import annotations

from ansible_collections.flaskstack.deploy.plugins.module_utils import containers, pairings, processes, schema, tls

BASE_DIR = "/srv/flaskstack"
CONFIG_DIR = "/etc/flaskstack"
RUN_DIR = "/run/flaskstack"
# The web server's access logs of the applications, one file each (JSON lines).
LOG_DIR = "/var/log/flaskstack"
WSGI_MODULE = "flaskstack_wsgi"
# Where the WSGI entry point answers the application's metrics to the host's
# exporter (with the application's token; anyone else reaches the application).
METRICS_PATH = "/_flaskstack/metrics"


class LayoutError(ValueError):
    """An application list that does not pass its checks (the message says why)."""


def _own_names(app):
    """The names of what the collection makes for an application whatever its
    app server: user and group, directories, the name of its units, its site."""
    name = app["name"]
    user = app.get("user", name)
    unit = f"flaskstack-{name}"
    return {
        "name": name, "user": user, "group": user, "unit_name": unit, "site_name": f"{unit}.conf",
        "base_dir": f"{BASE_DIR}/{name}", "config_dir": f"{CONFIG_DIR}/{name}",
    }  # fmt: skip


def layout(app, app_server=None, web_server=None, runtime=None):
    """One application's definition with its defaults filled in and every derived name."""
    app_server = app_server or pairings.DEFAULT_APP_SERVER
    runtime = app.get("runtime", runtime or containers.DEFAULT_RUNTIME)
    web_server = web_server or pairings.DEFAULT_WEB_SERVER
    own = _own_names(app)
    name, user, unit, base_dir = own["name"], own["user"], own["unit_name"], own["base_dir"]
    match = schema.ENTRY_POINT_RE.match(app["entry_point"])
    # Every path the servers use goes through "current", the link to the live release.
    current = f"{base_dir}/current"
    code_dir = f"{current}/app"
    static_dir = app.get("static_dir", "static")
    prefix = app.get("url_prefix", "/")
    server = pairings.app_server(app.get("app_server", app_server))
    # An app server that the host's web server hosts runs inside it (no unit of
    # ours, no socket, no proxy in front of it); otherwise it runs in a unit of
    # its own, on a unix socket or on a loopback TCP port (pairings.APP_SERVERS).
    hosted = server["hosted_by"] == web_server and runtime != "container"
    tcp = not hosted and server["listens"] == "tcp" and runtime != "container"
    contained = runtime == "container"
    image = app.get("image") or {}
    backend_port = schema.backend_port(app) if tcp else None
    health_path = app.get("health_path", "/health")
    server_names = list(app.get("server_names") or [f"{name}.localhost"])
    https = tls.https(app, server_names)
    health_base = f"https://127.0.0.1:{https['tls_port']}" if https["tls"] else f"http://127.0.0.1:{app.get('port', 80)}"
    shared_dirs = [d.strip("/") for d in app.get("shared_dirs", [])]
    out = {
        "name": name,
        "user": user,
        "group": user,
        "app_server": server["name"],
        "runtime": runtime,
        # The role that runs the application: its app server's, or the container role's.
        "served_by": containers.ROLE if contained else server["name"],
        # Whose Python packages its environment gets: its app server's (NAME_pip_packages),
        # or in a container its app server's for containers (NAME_container_pip_packages).
        "packages_key": f"{server['name']}_container" if contained else server["name"],
        # What the host notes of the application's app server (/etc/flaskstack/NAME/app_server,
        # read by moved_apps): the role that runs it, and in a container the app server in it.
        "server_record": f"{containers.ROLE} {server['name']}" if contained else server["name"],
        "web_server": web_server,
        "hosted_by_web_server": hosted,
        "source": dict(app.get("source") or {}),
        "entry_point": app["entry_point"],
        "entry_module": match.group("module"),
        "entry_attr": match.group("attr"),
        "entry_call": bool(match.group("call")),
        "server_names": server_names,
        "port": app.get("port", 80),
        "url_prefix": prefix,
        "forwarded_prefix": prefix.rstrip("/"),
        "env": dict(app.get("env", {})),
        "secret_env_keys": sorted(app.get("secret_env", {})),
        "requirements": app.get("requirements", "requirements.txt"),
        "packages": list(app.get("packages", [])),
        "install_project": app.get("install_project", True),
        "health_path": health_path,
        "workers": app.get("workers"),
        "trusted_proxies": app.get("trusted_proxies", 0 if hosted else server["trusted_proxies"]),
        "shared_dirs": shared_dirs,
        "test_command": app.get("test_command"),
        "release_command": app.get("release_command"),
        # What the application runs besides its web process (module_utils/processes.py).
        "processes": processes.processes(app.get("processes"), unit),
        "jobs": processes.jobs(app.get("jobs"), unit),
        "health_url": f"{health_base}{prefix.rstrip('/')}{health_path}",
        "health_host": server_names[0].replace("*.", "health.", 1),
        # The request metrics: asked for through the web server as the health path is,
        # counted by every worker in a directory of the app server's private /tmp.
        "metrics_path": METRICS_PATH,
        "metrics_url": f"{health_base}{prefix.rstrip('/')}{METRICS_PATH}",
        "metrics_token_file": f"{own['config_dir']}/metrics.token",
        "metrics_dir": f"/tmp/flaskstack-metrics-{name}",
        "base_dir": base_dir,
        "current_link": current,
        "previous_link": f"{base_dir}/previous",
        "releases_dir": f"{base_dir}/releases",
        "shared_dir": f"{base_dir}/shared",
        "shared_paths": [f"{base_dir}/shared/{d}" for d in shared_dirs],
        # Settings files written into the shared directories (settings_files): where,
        # and from what; never their content (a layout is printed, the content may be secret).
        "settings_files": [
            {"dest": f["dest"], "path": f"{base_dir}/shared/{f['dest']}", "secret": f.get("secret", True), "template": f.get("template")}
            for f in app.get("settings_files") or []
        ],
        "repo_dir": f"{base_dir}/repo",
        "envs_dir": f"{base_dir}/envs",
        "wheelhouse": app.get("wheelhouse"),
        "code_dir": code_dir,
        "venv_dir": f"{current}/venv",
        "wsgi_dir": f"{current}/wsgi",
        "wsgi_module": WSGI_MODULE,
        "wsgi_file": f"{current}/wsgi/{WSGI_MODULE}.py",
        # The WSGI entry point reads the settings files itself when no unit of
        # ours passes them to the application.
        "shim_loads_settings": server["loads_settings"],
        "static_dir": f"{code_dir}/{static_dir.strip('/')}" if static_dir else None,
        "static_url": prefix + app.get("static_url", "static/").strip("/") + "/",
        "config_dir": own["config_dir"],
        "env_file": f"{CONFIG_DIR}/{name}/app.env",
        "secrets_file": f"{CONFIG_DIR}/{name}/secrets.env",
        # There while new settings wait for the app server's restart (a run that
        # failed before it leaves it, so that the next run restarts).
        "restart_marker": f"{CONFIG_DIR}/{name}/restart-pending",
        # The name of the application's units, and of whatever its app server names after it.
        "unit_name": unit,
        "socket_path": None if hosted or tcp else f"{base_dir}/{containers.SOCKET_NAME}" if contained else f"{RUN_DIR}/{name}.sock",
        # The container runtime: each container's socket directory, its settings file.
        "sockets_dir": f"{base_dir}/sockets" if contained else None,
        "container_env_file": f"{CONFIG_DIR}/{name}/container.env" if contained else None,
        "image_base": image.get("base") if contained else None,
        # A given image (pulled or loaded) instead of one built from the code.
        "image_reference": image.get("reference") if contained else None,
        "image_archive": image.get("archive") if contained else None,
        "image_archive_copy": containers.archive_copy(name) if contained and image.get("archive") else None,
        "image_code_dir": image.get("code_dir") if contained else None,
        "image_given": contained and bool(image.get("reference") or image.get("archive")),
        # The application's own Dockerfile (a path in its code) instead of the collection's.
        "image_dockerfile": image.get("dockerfile") if contained else None,
        # The loopback TCP port of an app server that cannot listen on a unix socket.
        "backend_port": backend_port,
        # Where the web server sends the application's requests (none: it hosts it).
        "upstream_address": (
            None if hosted else f"127.0.0.1:{backend_port}" if tcp else f"unix:{base_dir}/{containers.SOCKET_NAME}" if contained
            else f"unix:{RUN_DIR}/{name}.sock"
        ),
        "runtime_dir": None if hosted or contained else unit,
        "upstream": f"flaskstack_{name.replace('-', '_')}",
        "service_unit": pairings.WEB_SERVERS[web_server]["unit"] if hosted else f"{unit}.service",
        "socket_unit": None if hosted or tcp or contained else f"{unit}.socket",
        "app_units": [] if hosted or contained else [f"{unit}.service"] if tcp else [f"{unit}.socket", f"{unit}.service"],
        "apache_modules": list(server["apache_modules"]),
        # What the app server may write to: the shared directories, and the app's writable_paths.
        "writable_paths": [f"{base_dir}/shared/{d}" for d in shared_dirs] + list(app.get("writable_paths", [])),
        "extra_writable_paths": list(app.get("writable_paths", [])),
        "site_name": own["site_name"],
        # The web server's access log of the application (JSON lines, rotated by logrotate),
        # and the paths of the health checks and the metrics scrapes, which it may leave out.
        "access_log": f"{LOG_DIR}/{name}.access.log",
        "check_paths": [f"{prefix.rstrip('/')}{health_path}", f"{prefix.rstrip('/')}{METRICS_PATH}"],
    }
    out.update(https)
    return out


def app_layouts(apps, app_server=None, web_server=None, variable="flaskstack_apps", runtime=None):
    """The applications with their derived names; LayoutError when the list is invalid.
    app_server, web_server, runtime: the host's (None: the defaults)."""
    app_server = app_server or pairings.DEFAULT_APP_SERVER
    web_server = web_server or pairings.DEFAULT_WEB_SERVER
    errors = schema.app_errors(apps, app_server, web_server, variable, runtime)
    if errors:
        raise LayoutError(" ".join(errors))
    return [layout(app, app_server, web_server, runtime) for app in apps if schema.is_present(app)]


def removed_layouts(apps, app_server=None, web_server=None, variable="flaskstack_apps", runtime=None):
    """The applications marked state: absent, with the names of what the
    collection made for them (to stop and remove): user, units (none of which
    they keep), settings, runtime and certificate directories, and whether their
    data stays (keep_data). LayoutError when the list is invalid."""
    errors = schema.app_errors(apps, app_server, web_server, variable, runtime)
    if errors:
        raise LayoutError(" ".join(errors))
    out = []
    for app in apps:
        if schema.is_present(app):
            continue
        own = _own_names(app)
        # No app server nor runtime: every one takes away what it kept for the application.
        out.append(dict(own, state="absent", keep_data=app.get("keep_data", True), app_units=[], runtime_dir=own["unit_name"],
                        app_server=None, runtime=None, processes=[], jobs=[],
                        tls_dir=tls.app_tls_dir(own["name"])))  # fmt: skip
    return out


def per_app(apps, **fields):
    """One dictionary per application: each text field the pattern with the
    application's layout filled in (str.format), the others as given, and
    "vars": {"item": the application} for its templates."""
    out = []
    for app in apps:
        entry = {}
        for key, value in fields.items():
            if isinstance(value, str):
                try:
                    entry[key] = value.format(**app)
                except (KeyError, IndexError, ValueError) as exc:
                    raise LayoutError(f"per_app: {value!r} names no field of an application's layout ({exc})") from None
            else:
                entry[key] = value
        entry["vars"] = {"item": app}
        out.append(entry)
    return out


def changed_apps(apps, changed_paths, pattern):
    """The names of the applications whose path (the pattern with the
    application's layout filled in) is among the changed paths; the pattern
    "settings_files" stands for every settings file of the application."""
    changed = set(changed_paths or [])
    if pattern == "settings_files":
        return [app["name"] for app in apps if any(f["path"] in changed for f in app["settings_files"])]
    return [app["name"] for entry, app in zip(per_app(apps, path=pattern), apps) if entry["path"] in changed]


def settings_file_entries(apps, content_template):
    """The settings files of the applications, as entries of the module
    flaskstack.deploy.config_files: root's, the application's group, 0640;
    secret unless asked otherwise. A file given as a template is that template,
    rendered with the layout as item; one given as content is content_template,
    which reads it from the application's definition (item, and the file's
    index as settings_file): the content stays out of every variable that is shown."""
    out = []
    for app in apps:
        for index, f in enumerate(app["settings_files"]):
            out.append({
                "dest": f["path"], "owner": "root", "group": app["group"], "mode": "0640", "secret": f["secret"],
                "template": f["template"] or content_template, "vars": {"item": app, "settings_file": index},
            })  # fmt: skip
    return out


def shared_directories(apps):
    """The shared directories of the applications (shared_dirs), as directories
    owned by the application's user and group, mode 0750."""
    return [
        {"path": path, "owner": app["user"], "group": app["group"], "mode": "0750"}
        for app in apps
        for path in app["shared_paths"]
    ]


def moved_apps(apps, state, app_servers):
    """The applications that moved to another app server since the host was
    last set up: [{"app", "from"}], one per app server to leave. The app server
    an application was set up with is in /etc/flaskstack/NAME/app_server (read
    by stack_info; its layout's server_record: the role that ran it, and in a
    container the app server in it); an application set up before that file
    existed leaves every other app server (what each would have left is
    removed, if anything)."""
    contents = (state or {}).get("contents") or {}
    paths = (state or {}).get("paths") or {}
    out = []
    for app in apps:
        recorded = (contents.get(f"{app['config_dir']}/app_server") or "").strip()
        role, _, inner = recorded.partition(" ")
        if recorded:
            if role != app["served_by"] and role in app_servers:
                out.append({"app": app, "from": role, "recorded": True})
            elif role == app["served_by"] == containers.ROLE and inner in app_servers and inner != app["app_server"]:
                # Another app server in its container: the one it left takes its settings away.
                out.append({"app": app, "from": inner, "recorded": True})
        elif (paths.get(app["base_dir"]) or {}).get("exists"):
            out.extend({"app": app, "from": server, "recorded": False} for server in app_servers if server != app["served_by"])
    return out


def left_units(apps, kinds=("socket", "service")):
    """The units named after the applications (flaskstack-NAME.socket and
    .service) that their app server no longer has: what an app server with
    both leaves for an application that moved to another app server (none
    when that one uses the same names, all when the web server hosts it)."""
    return [f"{app['unit_name']}.{kind}" for app in apps for kind in kinds if f"{app['unit_name']}.{kind}" not in app["app_units"]]
