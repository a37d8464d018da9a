"""After switches from Gunicorn + Nginx to mod_wsgi + Nginx (checked by
prepare.yml), then to uWSGI + Apache: the old servers are gone from the picture
and the application kept its data."""


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


def test_no_gunicorn_runs_and_the_units_run_uwsgi(host):
    # The bracket keeps pgrep from matching the shell that runs it.
    assert host.run("pgrep -f '[b]in/gunicorn'").rc != 0
    for name in ("demo", "blog"):
        unit = host.file(f"/etc/systemd/system/flaskstack-{name}.service").content_string
        assert "uwsgi" in unit and "gunicorn" not in unit
        assert host.service(f"flaskstack-{name}").is_running


def test_no_apache_of_an_application_nor_its_loopback_rules_is_left(host):
    for name in ("demo", "blog"):
        assert not host.file(f"/etc/flaskstack/{name}/apache.conf").exists
    assert host.run("pgrep -f '[a]pache2 -f /etc/flaskstack/'").rc != 0
    assert not host.file("/etc/systemd/system/flaskstack-loopback-guard.service").exists
    assert not host.file("/etc/flaskstack/loopback-guard.nft").exists
    assert host.run("nft list table inet flaskstack_guard").rc != 0


def test_the_application_kept_its_data(host):
    notes = host.file("/srv/flaskstack/demo/notes.txt")
    assert notes.exists
    assert notes.content_string == "written while mod_wsgi and Nginx served the app"
    assert notes.user == "demo"
