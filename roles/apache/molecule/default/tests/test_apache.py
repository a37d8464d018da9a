"""The apache role's contract: each application behind Apache on its own site,
Debian's default site disabled, no version in responses, only the managed modules
the applications need, static files served by Apache, and a configuration that
fails "apache2ctl configtest" never reaches the running server.

Expectations come from this scenario's inventory (flaskstack_apps and the pairing)
and from the collection's layout filter.
"""

import json
import pathlib
import re
import sys

import pytest

REPO = pathlib.Path(__file__).resolve().parents[5]
sys.path.insert(0, str(REPO / "tests" / "integration"))
from stacklib import ansible_playbook, apps, assert_still_serving, fetch, fetch_app, hostvars, pairing, layout, raw_apps  # noqa: E402,F401

CONVERGE = pathlib.Path(__file__).resolve().parents[1] / "converge.yml"
SHARED_CONF = "/etc/apache2/conf-available/zz-flaskstack.conf"
SITES_AVAILABLE = "/etc/apache2/sites-available"
SITES_ENABLED = "/etc/apache2/sites-enabled"
MODS_ENABLED = "/etc/apache2/mods-enabled"
# The modules the role manages, and those a Gunicorn application needs.
MANAGED_MODULES = {"proxy", "proxy_http", "proxy_uwsgi", "wsgi", "headers", "expires"}
NEEDED_MODULES = {"proxy", "proxy_http", "headers", "expires"}


def recap(output):
    return output[output.rindex("PLAY RECAP"):]


def apache_files(host):
    """Every path under /etc/apache2 with its type, link target, owner, mode and checksum."""
    return host.check_output(
        "cd /etc/apache2 && find . -printf '%p %y %l %u:%g %m\\n' | sort"
        " && find . -type f -print0 | sort -z | xargs -0 md5sum"
    )


def loaded_modules(host):
    """The modules the configuration loads, by their short names (proxy_http_module -> proxy_http)."""
    out = host.check_output("apache2ctl -M 2>/dev/null")
    return {m.group(1) for m in re.finditer(r"^\s*(\w+)_module \(", out, re.M)}


def test_each_site_is_written_enabled_and_answers(host, apps, raw_apps):
    for app, raw in zip(apps, raw_apps):
        site = host.file(f"{SITES_AVAILABLE}/{app['site_name']}")
        assert site.is_file
        assert (site.user, site.group, site.mode) == ("root", "root", 0o644)
        assert f"ServerName {app['server_names'][0]}" in site.content_string
        assert f"unix:{app['socket_path']}|http://localhost/" in site.content_string
        link = host.file(f"{SITES_ENABLED}/{app['site_name']}")
        assert link.is_symlink
        assert link.linked_to == site.path
        # Apache serves it: the application answers on each of its names.
        for server_name in app["server_names"]:
            response = fetch_app(host, app, app["url_prefix"], server_name)
            assert response.status == 200, response.body
            assert response.headers.get("x-served-by") == "flask"
            greeting = raw.get("env", {}).get("DEMO_GREETING")
            if greeting:
                assert greeting in response.body
    shared = host.file("/etc/apache2/conf-enabled/zz-flaskstack.conf")
    assert shared.is_symlink
    assert shared.linked_to == SHARED_CONF
    check = host.run("apache2ctl configtest")
    assert check.rc == 0, check.stderr
    assert host.service("apache2").is_running
    assert host.service("apache2").is_enabled


def test_debian_default_site_is_disabled(host, apps):
    assert not host.file(f"{SITES_ENABLED}/000-default.conf").exists
    assert host.file(f"{SITES_AVAILABLE}/000-default.conf").exists, "the default site's file is kept"
    assert sorted(host.file(SITES_ENABLED).listdir()) == sorted(app["site_name"] for app in apps)
    # A request for a host name no application claims reaches no application: 404.
    response = fetch(host, "/", "unknown.invalid")
    assert response.status == 404
    assert "x-served-by" not in response.headers
    assert "Apache2 Debian Default Page" not in response.body
    assert "It works!" not in response.body


def test_no_version_in_responses(host, apps):
    version = host.check_output("apache2ctl -v").split("Apache/", 1)[1].split()[0]
    assert re.match(r"^\d+\.\d+\.\d+$", version), version
    for app in apps:
        # A 404 page made by Apache itself (a static file that does not exist).
        target = app["static_url"] + "no-such-file.txt" if app["static_dir"] else "/no-such-file.txt"
        response = fetch_app(host, app, target)
        assert response.status == 404
        assert "x-served-by" not in response.headers, "the 404 page came from the application"
        # ServerTokens Prod; ServerSignature Off.
        assert response.headers["server"] == "Apache"
        assert version not in response.body
        assert "Debian" not in response.body
        assert "Server at" not in response.body
        assert "<h1>Not Found</h1>" in response.body


def test_only_the_needed_managed_modules_are_enabled(host):
    enabled = {name[:-len(".load")] for name in host.file(MODS_ENABLED).listdir() if name.endswith(".load")}
    assert NEEDED_MODULES <= enabled, enabled
    assert not (MANAGED_MODULES - NEEDED_MODULES) & enabled, enabled
    loaded = loaded_modules(host)
    assert NEEDED_MODULES <= loaded, loaded
    assert "proxy_uwsgi" not in loaded
    assert "wsgi" not in loaded


def test_static_files_come_from_apache(host, apps):
    for app in apps:
        if not app["static_dir"]:
            continue
        name = host.check_output(f"cd {app['static_dir']} && find . -type f | sort | head -n1")[2:]
        assert name, f"no static file in {app['static_dir']}"
        response = fetch_app(host, app, app["static_url"] + name)
        assert response.status == 200
        assert response.body == host.file(f"{app['static_dir']}/{name}").content_string
        assert "x-served-by" not in response.headers, "the static file was served by the application"
        # mod_expires: apache_static_max_age (default one hour).
        assert response.headers.get("cache-control") == "max-age=3600"
        # No directory listings.
        listing = fetch_app(host, app, app["static_url"])
        assert listing.status == 403
        assert "Index of" not in listing.body


def test_a_module_no_application_needs_is_disabled_again(host):
    """A managed module enabled by hand (proxy_uwsgi) is disabled by the next run."""
    host.check_output("a2enmod -q proxy_uwsgi")
    try:
        assert host.file(f"{MODS_ENABLED}/proxy_uwsgi.load").exists
        result = ansible_playbook(playbook=CONVERGE)
        output = result.stdout + result.stderr
        assert result.returncode == 0, output[-3000:]
        assert re.search(r"failed=0\s", recap(output)), output[-3000:]
        assert not host.file(f"{MODS_ENABLED}/proxy_uwsgi.load").exists
        assert host.file(f"{MODS_ENABLED}/proxy.load").exists, "proxy was disabled along with proxy_uwsgi"
        assert "proxy_uwsgi" not in loaded_modules(host)
    finally:
        host.run("a2dismod -q proxy_uwsgi")


# Values the argument specification accepts (whole numbers) but Apache refuses:
# LimitRequestBody takes no negative number (the shared settings file), and
# ProxyTimeout must be at least 1 second (each site file).
@pytest.mark.parametrize(
    ("bad", "path", "good_line"),
    [
        ({"apache_limit_request_body": -1}, SHARED_CONF, "LimitRequestBody 10485760"),
        ({"apache_proxy_timeout": 0}, f"{SITES_AVAILABLE}/flaskstack-demo.conf", "ProxyTimeout 60"),
    ],
    ids=["shared-settings", "site"],
)
def test_a_configuration_that_fails_configtest_never_reaches_the_server(host, apps, bad, path, good_line):
    before = host.file(path).content_string
    assert good_line in before
    files_before = apache_files(host)
    master = host.check_output("systemctl show -p MainPID --value apache2")
    try:
        result = ansible_playbook("-e", json.dumps(bad), playbook=CONVERGE)
        output = result.stdout + result.stderr
        assert result.returncode != 0, output[-3000:]
        assert "apache2ctl configtest rejected the new configuration; it was not applied" in output, output[-3000:]
        # The message carries what apache2ctl configtest said.
        assert "It said:" in output and "Syntax error" in output, output[-3000:]
        assert re.search(r"failed=1\s", recap(output)), output[-3000:]

        # The old value is in place, and every file under /etc/apache2 is as it was
        # (the same sites and settings enabled, no backup left behind).
        assert host.file(path).content_string == before
        assert apache_files(host) == files_before
        # The running server was left alone and still serves the application.
        assert_still_serving(host, "apache2", "apache2ctl configtest", master, apps)
    finally:
        # Leave the host converged, whatever happened above.
        if apache_files(host) != files_before or host.run("apache2ctl configtest").rc != 0:
            restored = ansible_playbook(playbook=CONVERGE)
            assert restored.returncode == 0, (restored.stdout + restored.stderr)[-3000:]
