"""Unit tests for the layout filters: derived names and input checks."""

import pytest
from ansible_collections.flaskstack.deploy.plugins.module_utils import layout, pairings, schema, settings


def app(**overrides):
    base = {"name": "demo", "source": {"path": "/src/demo"}, "entry_point": "demo:create_app()"}
    base.update(overrides)
    return base


def test_defaults_and_derived_names():
    (lay,) = layout.app_layouts([app()])
    assert lay["user"] == lay["group"] == "demo"
    assert lay["socket_path"] == "/run/flaskstack/demo.sock"
    assert lay["service_unit"] == "flaskstack-demo.service"
    assert lay["socket_unit"] == "flaskstack-demo.socket"
    assert lay["site_name"] == "flaskstack-demo.conf"
    assert lay["access_log"] == "/var/log/flaskstack/demo.access.log"
    assert lay["check_paths"] == ["/health", "/_flaskstack/metrics"]
    assert lay["venv_dir"] == "/srv/flaskstack/demo/current/venv"
    assert lay["envs_dir"] == "/srv/flaskstack/demo/envs"
    assert lay["wheelhouse"] is None
    assert lay["static_dir"] == "/srv/flaskstack/demo/current/app/static"
    assert lay["static_url"] == "/static/"
    assert lay["server_names"] == ["demo.localhost"]
    assert lay["port"] == 80
    assert (lay["entry_module"], lay["entry_attr"], lay["entry_call"]) == ("demo", "create_app", True)
    assert lay["app_server"] == "gunicorn"
    assert lay["forwarded_prefix"] == ""


def test_module_attribute_entry_point_and_prefix():
    (lay,) = layout.app_layouts([app(entry_point="pkg.wsgi:application", url_prefix="/shop/", static_dir=False)])
    assert (lay["entry_module"], lay["entry_attr"], lay["entry_call"]) == ("pkg.wsgi", "application", False)
    assert lay["static_dir"] is None
    assert lay["static_url"] == "/shop/static/"
    assert lay["forwarded_prefix"] == "/shop"


def test_secret_values_never_reach_the_layout():
    (lay,) = layout.app_layouts([app(secret_env={"SECRET_KEY": "canary-value"})])
    assert lay["secret_env_keys"] == ["SECRET_KEY"]
    assert "canary-value" not in repr(lay)


def test_two_apps_get_their_own_names():
    lays = layout.app_layouts([app(), app(name="blog", user="blogger")])
    assert [x["socket_path"] for x in lays] == ["/run/flaskstack/demo.sock", "/run/flaskstack/blog.sock"]
    assert lays[1]["user"] == "blogger"
    assert lays[1]["upstream"] == "flaskstack_blog"


@pytest.mark.parametrize(
    ("apps", "kwargs", "expected"),
    [
        ([app()], {"app_server": "tomcat"}, "flaskstack_app_server: 'tomcat' is not an app server; choose one of: gunicorn, uwsgi, mod_wsgi"),
        ([app()], {"web_server": "caddy"}, "flaskstack_web_server: 'caddy' is not a web server; choose one of: nginx, apache"),
        ([app()], {"web_server": "lighttpd"}, "flaskstack_web_server: 'lighttpd' is not a web server; choose one of: nginx, apache"),
        # mod_wsgi behind Nginx listens on a loopback TCP port: two applications cannot share one,
        # nor use one the web server listens on.
        ([app(app_server="mod_wsgi", backend_port=21000), app(name="b", server_names=["b.test"], backend_port=21000)],
         {"app_server": "mod_wsgi"}, "the app servers of 'demo' and 'b' would both listen on port 21000; set backend_port for one of them"),
        ([app(backend_port=8080), app(name="b", server_names=["b.test"], port=8080)], {"app_server": "mod_wsgi"},
         "'demo' would have its app server listen on port 8080, where the web server listens for 'b'"),
        ([app(backend_port=80)], {"app_server": "mod_wsgi"}, "backend_port: 80 is out of range; use a whole number from 1024 to 65535"),
        ([app(source=None)], {}, "flaskstack_apps[0] (demo).source is missing"),
        ([app(source={"path": "/a", "git": "https://x"})], {}, "give either 'path' or 'git', not both"),
        ([app(entry_point="demo")], {}, "flaskstack_apps[0] (demo).entry_point: 'demo' is not a WSGI entry point"),
        ([app(entry_point="demo:create_app(1)")], {}, "is not a WSGI entry point"),
        ([app(port=70000)], {}, "flaskstack_apps[0] (demo).port: 70000 is out of range; use a whole number from 1 to 65535"),
        ([app(port="80")], {}, "port: '80' is out of range"),
        ([{"source": {"path": "/a"}, "entry_point": "a:app"}], {}, "flaskstack_apps[0].name is missing"),
        ([app(name="Bad_Name")], {}, "flaskstack_apps[0].name: 'Bad_Name' is not a valid name"),
        ([app(), app()], {}, "the name 'demo' is used by more than one application"),
        ([app(colour="blue")], {}, "unknown key(s) 'colour'"),
        ([app(env={"1BAD": "x"})], {}, "env: 1BAD are not valid environment variable names"),
        ([app(server_names=[])], {}, "server_names: [] must be a non-empty list of host names"),
        ([app(url_prefix="shop")], {}, "url_prefix: 'shop' must start and end with '/'"),
        ([app(server_names=["a.test"]), app(name="b", server_names=["a.test"])], {}, "a.test:80 is claimed by both 'demo' and 'b'"),
        # HTTPS ports too, and one port cannot speak HTTP for one application and HTTPS for another.
        ([app(server_names=["a.test"]), app(name="b", server_names=["a.test"], port=8080)], {}, "a.test:443 is claimed by both 'demo' and 'b'"),
        ([app(port=8443, tls=False), app(name="b", server_names=["b.test"], tls={"port": 8443})], {},
         "port 8443 would serve HTTP for 'demo' and HTTPS for 'b'; one port speaks one of them"),
        ("demo", {}, "flaskstack_apps must be a list of applications"),
        ([app(static_dir=True)], {}, "static_dir: True must be a path inside the code"),
        ([app(static_dir="../../etc")], {}, "static_dir: '../../etc' must be a path inside the code"),
        ([app(static_url="my files/")], {}, "static_url: 'my files/' must be a URL path"),
        ([app(requirements="/etc/passwd")], {}, "requirements: '/etc/passwd' must be a file path inside the code"),
        ([app(packages="requests")], {}, "packages must be a list of package names"),
        ([app(health_path="health")], {}, "health_path: 'health' must be a URL path starting with '/'"),
    ],
)
def test_bad_input_is_named(apps, kwargs, expected):
    errors = schema.app_errors(apps, **kwargs)
    assert any(expected in e for e in errors), errors


def test_an_unknown_web_server_is_said_once_whatever_the_number_of_applications():
    errors = schema.app_errors([app(), app(name="blog", app_server="uwsgi")], web_server="caddy")
    assert errors == ["flaskstack_web_server: 'caddy' is not a web server; choose one of: nginx, apache."]


def test_applications_may_share_ports_under_their_own_names():
    apps = [app(server_names=["a.test"]), app(name="b", server_names=["b.test"]), app(name="c", server_names=["a.test"], tls=False, port=8080)]
    assert schema.app_errors(apps) == []


@pytest.mark.parametrize(
    ("app_server", "web_server"),
    [("gunicorn", "nginx"), ("gunicorn", "apache"), ("uwsgi", "nginx"), ("uwsgi", "apache"), ("mod_wsgi", "apache"), ("mod_wsgi", "nginx")],
)
def test_every_supported_pairing_is_accepted(app_server, web_server):
    assert schema.app_errors([app()], app_server=app_server, web_server=web_server) == []


@pytest.fixture
def hosted_server(monkeypatch):
    """An app server that Apache would run itself (the pairing table supports one; none is hosted today)."""
    monkeypatch.setitem(pairings.APP_SERVERS, "embedded", {"hosted_by": "apache", "listens": "unix", "trusted_proxies": 1,
                                                          "loads_settings": True, "apache_modules": ["embedded"]})  # fmt: skip
    monkeypatch.setattr(pairings, "SUPPORTED_PAIRINGS", pairings.SUPPORTED_PAIRINGS + (("embedded", "apache"),))
    return "embedded"


def test_an_app_server_the_web_server_hosts_has_no_unit_nor_proxy(hosted_server):
    (lay,) = layout.app_layouts([app()], app_server=hosted_server, web_server="apache")
    assert lay["service_unit"] == "apache2.service" and lay["hosted_by_web_server"]
    assert lay["socket_path"] is None and lay["socket_unit"] is None and lay["app_units"] == [] and lay["upstream_address"] is None
    # No proxy stands in front of it: forwarded headers are not trusted.
    assert lay["trusted_proxies"] == 0
    # An application that moves to it leaves both its units.
    assert layout.left_units([lay]) == ["flaskstack-demo.socket", "flaskstack-demo.service"]


def test_mod_wsgi_behind_nginx_runs_its_own_apache_on_a_loopback_port():
    demo, blog = layout.app_layouts([app(), app(name="blog", server_names=["blog.test"], backend_port=24000)], app_server="mod_wsgi")
    assert (demo["hosted_by_web_server"], demo["service_unit"], demo["app_units"]) == (False, "flaskstack-demo.service", ["flaskstack-demo.service"])
    assert demo["socket_path"] is None and demo["socket_unit"] is None
    # The default port comes from the name (the same on every host and run), below Linux's ephemeral ports.
    assert 20000 <= demo["backend_port"] < 30000 and demo["backend_port"] == layout.app_layouts([app()], app_server="mod_wsgi")[0]["backend_port"]
    assert demo["upstream_address"] == f"127.0.0.1:{demo['backend_port']}" and blog["upstream_address"] == "127.0.0.1:24000"
    # Nginx is a proxy in front of it; the entry point still loads the settings itself.
    assert demo["trusted_proxies"] == 1 and demo["shim_loads_settings"]


def test_an_app_can_choose_its_own_app_server():
    lays = layout.app_layouts([app(), app(name="blog", app_server="uwsgi")], app_server="gunicorn", web_server="nginx")
    assert [x["app_server"] for x in lays] == ["gunicorn", "uwsgi"]
    assert lays[1]["app_units"] == ["flaskstack-blog.socket", "flaskstack-blog.service"]


def test_valid_input_has_no_errors():
    assert schema.app_errors([app(), app(name="blog", source={"git": "https://example.test/b.git", "version": "v1"})]) == []


def test_app_layouts_raises_on_invalid_input():
    ansible_errors = pytest.importorskip("ansible.errors")
    with pytest.raises(layout.LayoutError, match="entry_point"):
        layout.app_layouts([app(entry_point="nope")])


@pytest.mark.parametrize(
    ("value", "line"),
    [
        ("plain", 'K="plain"'),
        ('say "hi"', 'K="say \\"hi\\""'),
        ("$HOME and `cmd` and \\n", 'K="\\$HOME and \\`cmd\\` and \\\\n"'),
        (True, 'K="true"'),
        (3, 'K="3"'),
        (None, 'K=""'),
    ],
)
def test_env_file_line_quotes_values(value, line):
    assert settings.env_file_line("K", value) == line


# Releases: ids, paths and what is pruned.


def test_paths_go_through_the_current_release():
    (lay,) = layout.app_layouts([app(url_prefix="/shop/", port=8080, server_names=["*.example.org"])])
    assert lay["current_link"] == "/srv/flaskstack/demo/current"
    assert lay["code_dir"] == "/srv/flaskstack/demo/current/app"
    assert lay["wsgi_file"] == "/srv/flaskstack/demo/current/wsgi/flaskstack_wsgi.py"
    assert lay["releases_dir"] == "/srv/flaskstack/demo/releases"
    assert lay["health_url"] == "https://127.0.0.1:443/shop/health"
    assert lay["health_host"] == "health.example.org"
    # The metrics are asked for as the health path is, with a token the application and root can read.
    assert lay["metrics_url"] == "https://127.0.0.1:443/shop/_flaskstack/metrics"
    assert lay["metrics_token_file"] == "/etc/flaskstack/demo/metrics.token"
    assert lay["metrics_dir"] == "/tmp/flaskstack-metrics-demo"


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"shared_dirs": ["../up"]}, "shared_dirs: ['../up'] must be a list of distinct paths"),
        ({"shared_dirs": ["up", "up/"]}, "must be a list of distinct paths"),
        ({"shared_dirs": "up"}, "must be a list of distinct paths"),
        ({"test_command": " "}, "test_command: ' ' must be a command line"),
    ],
)
def test_release_keys_are_checked(overrides, expected):
    assert any(expected in e for e in schema.app_errors([app(**overrides)])), schema.app_errors([app(**overrides)])


def test_what_the_pairing_table_says_of_each_app_server():
    gunicorn, mod_wsgi = layout.app_layouts(
        [app(), app(name="blog", app_server="mod_wsgi", user="blogger")], web_server="apache"
    )
    assert (gunicorn["service_unit"], gunicorn["socket_unit"], gunicorn["hosted_by_web_server"]) == (
        "flaskstack-demo.service", "flaskstack-demo.socket", False)  # fmt: skip
    assert gunicorn["apache_modules"] == ["proxy", "proxy_http"] and not gunicorn["shim_loads_settings"]
    # mod_wsgi behind Apache too: its own Apache on a loopback port, the host's Apache a proxy in front of it.
    assert (mod_wsgi["service_unit"], mod_wsgi["socket_path"], mod_wsgi["hosted_by_web_server"]) == ("flaskstack-blog.service", None, False)
    assert mod_wsgi["upstream_address"] == f"127.0.0.1:{mod_wsgi['backend_port']}" and mod_wsgi["apache_modules"] == ["proxy", "proxy_http"]
    assert mod_wsgi["unit_name"] == "flaskstack-blog" and mod_wsgi["trusted_proxies"] == 1 and mod_wsgi["shim_loads_settings"]


def test_per_app_fills_patterns_and_names_what_changed():
    demo, blog = layout.app_layouts([app(), app(name="blog")])
    entries = layout.per_app([demo, blog], template="site.conf.j2", dest="/etc/nginx/sites-available/{site_name}", mode="0644")
    assert entries[1] == {"template": "site.conf.j2", "dest": "/etc/nginx/sites-available/flaskstack-blog.conf", "mode": "0644", "vars": {"item": blog}}
    assert layout.changed_apps([demo, blog], ["/etc/flaskstack/blog/app.env"], "{env_file}") == ["blog"]
    with pytest.raises(layout.LayoutError, match="names no field"):
        layout.per_app([demo], dest="/etc/{no_such_key}")
    assert layout.shared_directories(layout.app_layouts([app(shared_dirs=["instance"])])) == [
        {"path": "/srv/flaskstack/demo/shared/instance", "owner": "demo", "group": "demo", "mode": "0750"}]  # fmt: skip


def test_applications_that_moved_to_another_app_server():
    demo, blog, new = layout.app_layouts([app(), app(name="blog", app_server="uwsgi"), app(name="new")])
    state = {
        "contents": {"/etc/flaskstack/demo/app_server": "gunicorn\n", "/etc/flaskstack/blog/app_server": "gunicorn\n"},
        "paths": {"/srv/flaskstack/new": {"exists": False}},
    }
    servers = ["gunicorn", "uwsgi", "mod_wsgi"]
    assert layout.moved_apps([demo, blog, new], state, servers) == [{"app": blog, "from": "gunicorn", "recorded": True}]
    # Set up before the host kept a record: it leaves every other app server.
    state["paths"]["/srv/flaskstack/new"] = {"exists": True}
    assert [(m["from"], m["recorded"]) for m in layout.moved_apps([new], state, servers)] == [("uwsgi", False), ("mod_wsgi", False)]


def test_an_app_that_moved_leaves_the_units_its_new_app_server_does_not_have():
    def moved(app_server, web_server):
        return layout.left_units(layout.app_layouts([app()], app_server=app_server, web_server=web_server))

    # Same names: the new app server's role rewrote them.
    assert moved("uwsgi", "nginx") == []
    # mod_wsgi listens on a loopback port: the socket goes, the service stays (its own Apache).
    assert moved("mod_wsgi", "nginx") == moved("mod_wsgi", "apache") == ["flaskstack-demo.socket"]


def test_an_app_marked_absent_needs_only_its_name_and_is_not_served():
    apps = [app(), {"name": "old", "state": "absent"}, {"name": "gone", "state": "absent", "keep_data": False, "user": "gone-user"}]
    assert schema.app_errors(apps) == []
    assert [lay["name"] for lay in layout.app_layouts(apps)] == ["demo"]
    old, gone = layout.removed_layouts(apps)
    assert (old["name"], old["keep_data"], old["config_dir"], old["tls_dir"]) == ("old", True, "/etc/flaskstack/old", "/etc/flaskstack/tls/old")
    assert (gone["user"], gone["keep_data"], gone["base_dir"]) == ("gone-user", False, "/srv/flaskstack/gone")
    # None of its units stay.
    assert layout.left_units([old]) == ["flaskstack-old.socket", "flaskstack-old.service"]
    # It claims no port nor name any more: another application may take them.
    assert schema.app_errors([app(), {"name": "old", "state": "absent", "server_names": ["demo.test"]}]) == []


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ({"name": "old", "state": "gone"}, "flaskstack_apps[1] (old).state: 'gone' is not a state; choose one of: present, absent."),
        ({"name": "old", "state": "absent", "keep_data": "no"}, "flaskstack_apps[1] (old).keep_data: 'no' must be true or false."),
        ({"state": "absent"}, "flaskstack_apps[1].name is missing"),
    ],
)
def test_bad_removals_are_named(entry, expected):
    errors = schema.app_errors([app(), entry])
    assert any(expected in e for e in errors), errors
