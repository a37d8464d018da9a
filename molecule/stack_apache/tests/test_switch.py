"""On Debian 12, after the switch from other app servers behind Nginx
(molecule/stack_apache/prepare.yml) to the applications' own app servers behind
Apache: the old servers are gone from the picture and the application kept its
data. On Debian 13 the host was converged fresh: nothing to check here."""

import os
import pathlib
import re
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[3] / "tests" / "integration"))
from stacklib import apps, hostvars, pairing, raw_apps  # noqa: E402,F401

pytestmark = pytest.mark.skipif(os.environ.get("MOLECULE_DISTRO", "bookworm") != "bookworm", reason="the switch runs on Debian 12 only")


def test_nginx_is_stopped_and_disabled(host):
    nginx = host.service("nginx")
    assert not nginx.is_running
    assert not nginx.is_enabled


def test_nginx_has_no_site_of_the_collection_left(host):
    leftovers = host.run("ls /etc/nginx/sites-enabled /etc/nginx/sites-available /etc/nginx/conf.d").stdout
    assert "flaskstack" not in leftovers


def test_apache_owns_the_http_port(host):
    listeners = host.check_output("ss -Htlnp 'sport = :80'")
    assert "apache2" in listeners
    assert "nginx" not in listeners


# What each app server's unit runs (roles/*/templates/*.service.j2), and the
# settings file it has for an application.
STARTS = {"gunicorn": "-m gunicorn ", "uwsgi": "/usr/bin/uwsgi-core ", "mod_wsgi": "/usr/sbin/apache2 -f "}
SETTINGS = {"gunicorn": "gunicorn.conf.py", "uwsgi": "uwsgi.ini", "mod_wsgi": "apache.conf"}


def test_each_unit_runs_the_app_server_it_was_switched_to(host, apps):
    for app in apps:
        unit = host.file(f"/etc/systemd/system/flaskstack-{app['name']}.service")
        if app["runtime"] == "container":
            assert not unit.exists, app["name"]
            continue
        # mod_wsgi too: an Apache of the application's own, behind the host's.
        started = [server for server, start in STARTS.items() if start in unit.content_string]
        assert started == [app["app_server"]], (app["name"], started)
        assert host.service(f"flaskstack-{app['name']}").is_running


def test_no_settings_of_the_app_servers_left_behind_remain(host, apps):
    for app in apps:
        for server, name in SETTINGS.items():
            # A container keeps its app server's settings (mounted read-only).
            if server != app["app_server"]:
                assert not host.file(f"/etc/flaskstack/{app['name']}/{name}").exists, (app["name"], name)
    # No Apache of an application runs but mod_wsgi's own.
    own = [app["name"] for app in apps if app["app_server"] == "mod_wsgi" and app["runtime"] != "container"]
    running = host.run("pgrep -af '[a]pache2 -f /etc/flaskstack/'").stdout
    assert sorted(set(re.findall(r"/etc/flaskstack/([^/]+)/apache.conf", running))) == sorted(own), running


def test_the_application_kept_its_data(host):
    notes = host.file("/srv/flaskstack/demo/notes.txt")
    assert notes.exists
    assert notes.content_string == "written while uWSGI and Nginx served the app"
    assert notes.user == "demo"
