# Copyright: contributors to flaskstack.deploy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The pairing table: the app servers and web servers the collection knows, what
the rest of the collection needs to know of each, and which pairings it deploys.

This is the one place outside an app server's own role that names it (besides
the web servers' upstream templates for it, roles/<web server>/templates/upstream/).
What an app server is and does lives in its role, flaskstack.deploy.<app server>,
which the app role and the playbooks call by name (see the collection README,
"Adding an app server").
"""

from __future__ import annotations

# What the rest of the collection knows of each app server:
#   hosted_by:       the web server that runs the application itself when it is
#                    the host's web server (no unit of ours, no proxy hop); behind
#                    any other web server, the app server runs each application in
#                    a systemd service of its own, flaskstack-NAME.service
#   listens:         where that service listens for the web server: "unix", a socket
#                    flaskstack-NAME.socket at /run/flaskstack/NAME.sock that systemd
#                    holds; "tcp", the application's backend_port on 127.0.0.1, which
#                    only the web server's user may connect to (for a server that
#                    cannot listen on a unix socket)
#   trusted_proxies: the default number of proxies in front of the application
#                    when a web server proxies to it (0 when the web server hosts it)
#   loads_settings:  the WSGI entry point loads app.env and secrets.env itself,
#                    because no unit of ours passes them in
#   apache_modules:  the Apache modules its applications need behind Apache
#   in_container:    the container runtime can run it (its role has the entry
#                    point "container"); mod_wsgi runs in an Apache of its own
APP_SERVERS = {
    "gunicorn": {
        "hosted_by": None, "listens": "unix", "trusted_proxies": 1, "loads_settings": False, "apache_modules": ["proxy", "proxy_http"],
        "in_container": True,
    },
    "uwsgi": {
        "hosted_by": None, "listens": "unix", "trusted_proxies": 1, "loads_settings": False, "apache_modules": ["proxy", "proxy_uwsgi"],
        "in_container": True,
    },
    # mod_wsgi runs each application in an Apache of its own, behind Nginx and
    # behind the host's Apache alike: a graceful reload of the host's Apache
    # would give the daemon processes in it 3 seconds (Apache's own limit) and
    # cut longer requests in flight.
    "mod_wsgi": {
        "hosted_by": None, "listens": "tcp", "trusted_proxies": 1, "loads_settings": True, "apache_modules": ["proxy", "proxy_http"],
        "in_container": False,
    },
}  # fmt: skip
# What the rest of the collection knows of each web server: its unit, and the
# command that tests its configuration (run before any reload).
WEB_SERVERS = {
    "nginx": {"unit": "nginx.service", "test": ["nginx", "-t"]},
    "apache": {"unit": "apache2.service", "test": ["apache2ctl", "configtest"]},
}
# The pairings this version of the collection can deploy.
SUPPORTED_PAIRINGS = (
    ("gunicorn", "nginx"),
    ("gunicorn", "apache"),
    ("uwsgi", "nginx"),
    ("uwsgi", "apache"),
    ("mod_wsgi", "apache"),
    ("mod_wsgi", "nginx"),
)
DEFAULT_APP_SERVER = "gunicorn"
# The role that runs the applications of the container runtime (module_utils/containers.py), whatever their app server.
CONTAINER_ROLE = "container"
DEFAULT_WEB_SERVER = "nginx"


def app_server(name):
    """What the rest of the collection knows of an app server (see APP_SERVERS)."""
    return dict(APP_SERVERS[name], name=name)


def pairing_errors(app_server_name, web_server, app_variable="flaskstack_app_server", web_variable="flaskstack_web_server"):
    """The problems with a pairing of an app server and a web server (none when it is supported)."""
    supported = ", ".join(f"{a} + {w}" for a, w in SUPPORTED_PAIRINGS)
    if app_server_name not in APP_SERVERS:
        return [f"{app_variable}: {app_server_name!r} is not an app server; choose one of: {', '.join(APP_SERVERS)}."]
    if web_server not in WEB_SERVERS:
        return [f"{web_variable}: {web_server!r} is not a web server; choose one of: {', '.join(WEB_SERVERS)}."]
    if (app_server_name, web_server) not in SUPPORTED_PAIRINGS:
        return [
            f"{app_variable}/{web_variable}: the pairing {app_server_name} + {web_server} is not supported"
            f" by this version of the collection; supported pairings: {supported}."
        ]
    return []


def apache_modules():
    """Every Apache module an app server needs, in the order a2dismod takes them:
    those that depend on another (listed after it) first, then the others."""
    dependents, bases = [], []
    for server in APP_SERVERS.values():
        for position, module in enumerate(server["apache_modules"]):
            group = dependents if position else bases
            if module not in dependents + bases:
                group.append(module)
    return dependents + bases


def table():
    """The pairing table, as data for the roles and playbooks."""
    return {
        "app_servers": {name: app_server(name) for name in APP_SERVERS},
        "web_servers": {name: dict(server, name=name) for name, server in WEB_SERVERS.items()},
        "supported": [list(p) for p in SUPPORTED_PAIRINGS],
        "default_app_server": DEFAULT_APP_SERVER,
        "default_web_server": DEFAULT_WEB_SERVER,
        "apache_modules": apache_modules(),
        # The roles that run applications: each app server's, and the container runtime's.
        "serving_roles": list(APP_SERVERS) + [CONTAINER_ROLE],
    }
