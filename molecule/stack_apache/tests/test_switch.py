"""On Debian 12, after the switch from other app servers behind Nginx
(molecule/stack_apache/prepare.yml) to the applications' own app servers behind
Apache: the old servers are gone from the picture and the application kept its
data. On Debian 13 the host was converged fresh: nothing to check here."""

import os
import pathlib
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


# What each app server's unit runs (roles/*/templates/*.service.j2).
STARTS = {"gunicorn": "-m gunicorn ", "uwsgi": "/usr/bin/uwsgi-core ", "mod_wsgi": "/usr/sbin/apache2 -f "}


def test_each_unit_runs_the_app_server_it_was_switched_to(host, apps):
    for app in apps:
        unit = host.file(f"/etc/systemd/system/flaskstack-{app['name']}.service")
        if app["runtime"] == "container" or app["app_server"] == "mod_wsgi":
            # In its container, or inside Apache: no unit of its own.
            assert not unit.exists, app["name"]
            continue
        started = [server for server, start in STARTS.items() if start in unit.content_string]
        assert started == [app["app_server"]], (app["name"], started)
        assert host.service(f"flaskstack-{app['name']}").is_running


def test_no_apache_of_an_application_nor_its_loopback_rules_is_left(host, apps):
    for app in apps:
        assert not host.file(f"/etc/flaskstack/{app['name']}/apache.conf").exists
        if app["app_server"] != "gunicorn":
            assert not host.file(f"/etc/flaskstack/{app['name']}/gunicorn.conf.py").exists, app["name"]
    assert host.run("pgrep -f '[a]pache2 -f /etc/flaskstack/'").rc != 0
    assert not host.file("/etc/systemd/system/flaskstack-loopback-guard.service").exists
    assert not host.file("/etc/flaskstack/loopback-guard.nft").exists
    assert host.run("nft list table inet flaskstack_guard").rc != 0


def test_the_application_kept_its_data(host):
    notes = host.file("/srv/flaskstack/demo/notes.txt")
    assert notes.exists
    assert notes.content_string == "written while uWSGI and Nginx served the app"
    assert notes.user == "demo"
