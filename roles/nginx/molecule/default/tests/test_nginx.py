"""The nginx role's contract: each application behind Nginx on its own site,
Debian's default site disabled, no version in responses, and a configuration that
fails "nginx -t" never reaches the running server.

Expectations come from this scenario's inventory (flaskstack_apps) and from the
collection's layout filter.
"""

import json
import pathlib
import re
import sys

import pytest

REPO = pathlib.Path(__file__).resolve().parents[5]
sys.path.insert(0, str(REPO / "tests" / "integration"))
from stacklib import ansible_playbook, apps, assert_still_serving, curl_command, fetch, fetch_app, hostvars, pairing, layout, raw_apps  # noqa: E402,F401

CONVERGE = pathlib.Path(__file__).resolve().parents[1] / "converge.yml"
SHARED_CONF = "/etc/nginx/conf.d/flaskstack.conf"
SITES_AVAILABLE = "/etc/nginx/sites-available"
SITES_ENABLED = "/etc/nginx/sites-enabled"


def nginx_version(host):
    # "nginx version: nginx/1.22.1"
    return host.run("nginx -v").stderr.strip().rsplit("/", 1)[-1]


def recap(output):
    return output[output.rindex("PLAY RECAP"):]


def test_each_site_is_written_enabled_and_answers(host, apps, raw_apps):
    for app, raw in zip(apps, raw_apps):
        site = host.file(f"{SITES_AVAILABLE}/{app['site_name']}")
        assert site.is_file
        assert (site.user, site.group, site.mode) == ("root", "root", 0o644)
        link = host.file(f"{SITES_ENABLED}/{app['site_name']}")
        assert link.is_symlink
        assert link.linked_to == site.path
        # Nginx serves it: the application answers on each of its names.
        for server_name in app["server_names"]:
            response = fetch_app(host, app, app["url_prefix"], server_name)
            assert response.status == 200, response.body
            assert response.headers.get("x-served-by") == "flask"
            greeting = raw.get("env", {}).get("DEMO_GREETING")
            if greeting:
                assert greeting in response.body
    assert host.run("nginx -t").rc == 0
    assert host.service("nginx").is_running
    assert host.service("nginx").is_enabled


def test_static_files_come_from_nginx(host, apps):
    for app in apps:
        if not app["static_dir"]:
            continue
        name = host.check_output(f"cd {app['static_dir']} && find . -type f | sort | head -n1")[2:]
        response = fetch_app(host, app, app["static_url"] + name)
        assert response.status == 200
        assert response.body == host.file(f"{app['static_dir']}/{name}").content_string
        assert "x-served-by" not in response.headers, "the static file was served by the application"


def test_debian_default_site_is_disabled(host, apps):
    assert not host.file(f"{SITES_ENABLED}/default").exists
    assert host.file(f"{SITES_AVAILABLE}/default").exists, "the default site's file is kept"
    # A request for a host name no application claims gets no answer at all (444).
    result = host.run(curl_command("/", "unknown.invalid", 80))
    assert result.rc == 52, (result.rc, result.stdout, result.stderr)  # curl: empty reply from server
    assert "Welcome to nginx" not in result.stdout
    assert "flaskstack" in host.check_output("nginx -T 2>/dev/null | grep -E '^# configuration file' || true")
    assert f"{SITES_ENABLED}/default" not in host.check_output("nginx -T 2>/dev/null | grep -E '^# configuration file'")


def test_no_version_in_responses(host, apps):
    version = nginx_version(host)
    assert re.match(r"^\d+\.\d+\.\d+$", version), version
    for app in apps:
        # A 404 page made by Nginx itself (a static file that does not exist).
        target = app["static_url"] + "no-such-file.txt" if app["static_dir"] else "/no-such-file.txt"
        response = fetch_app(host, app, target)
        assert response.status == 404
        assert "x-served-by" not in response.headers, "the 404 page came from the application"
        assert response.headers["server"] == "nginx"
        assert version not in response.body
        assert "<center>nginx</center>" in response.body


def nginx_files(host):
    """Every path under /etc/nginx with its type, link target, owner, mode and checksum."""
    return host.check_output(
        "cd /etc/nginx && find . -printf '%p %y %l %u:%g %m\\n' | sort"
        " && find . -type f -print0 | sort -z | xargs -0 md5sum"
    )


def test_a_configuration_that_fails_nginx_t_never_reaches_the_server(host, apps):
    before = host.file(SHARED_CONF).content_string
    assert "client_max_body_size 10m;" in before
    files_before = nginx_files(host)
    master = host.check_output("systemctl show -p MainPID --value nginx")
    try:
        result = ansible_playbook("-e", json.dumps({"nginx_client_max_body_size": "10 megabytes"}), playbook=CONVERGE)
        output = result.stdout + result.stderr
        assert result.returncode != 0, output[-3000:]
        assert "nginx -t rejected the new configuration; it was not applied" in output, output[-3000:]
        assert re.search(r"failed=1\s", recap(output)), output[-3000:]

        # The old value is in place, and every file under /etc/nginx is as it was
        # (the same sites enabled, no backup left behind); they pass nginx -t.
        assert host.file(SHARED_CONF).content_string == before
        assert nginx_files(host) == files_before
        # The running server was left alone and still serves the application.
        assert_still_serving(host, "nginx", "nginx -t", master, apps)
    finally:
        # Leave the host converged, whatever happened above.
        if nginx_files(host) != files_before or host.run("nginx -t").rc != 0:
            restored = ansible_playbook(playbook=CONVERGE)
            assert restored.returncode == 0, (restored.stdout + restored.stderr)[-3000:]
