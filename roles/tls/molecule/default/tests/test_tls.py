"""The tls role's ACME path, against Pebble on the lab host: the certificate
comes from the ACME CA through the http-01 challenge, replaces the self-signed
one, and a renewal reaches the running web server through the deploy hook."""

import pathlib
import sys

REPO = pathlib.Path(__file__).resolve().parents[5]
sys.path.insert(0, str(REPO / "tests" / "integration"))
from stacklib import apps, fetch, fetch_app, hostvars, pairing, layout, raw_apps  # noqa: E402,F401

LIVE = "/etc/letsencrypt/live"


def served_certificate(host, app):
    """Issuer and serial of the certificate the web server presents for the app's name."""
    name = app["server_names"][0]
    out = host.check_output(
        f"echo | openssl s_client -connect 127.0.0.1:{app['tls_port']} -servername {name} 2>/dev/null"
        " | openssl x509 -noout -issuer -serial"
    )
    return out


def test_the_certificate_comes_from_the_acme_ca(host, apps):
    for app in apps:
        assert app["tls_source"] == "acme"
        for name in ("fullchain.pem", "privkey.pem"):
            # In place of the self-signed certificate the web server started with.
            assert host.check_output(f"readlink {app['tls_dir']}/{name}") == f"{LIVE}/{app['name']}/{name}"
        assert "Pebble" in served_certificate(host, app)
        response = fetch_app(host, app, app["url_prefix"])
        assert response.status == 200 and response.headers.get("x-served-by") == "flask"
        assert response.headers.get("strict-transport-security") == "max-age=63072000"


def test_http_redirects_except_the_acme_challenges(host, apps):
    for app in apps:
        name = app["server_names"][0]
        assert fetch(host, "/", name, app["port"]).status == 301
        challenge = fetch(host, "/.well-known/acme-challenge/no-such-token", name, app["port"])
        assert challenge.status == 404


def test_a_renewal_reaches_the_running_web_server(host, apps):
    before = {app["name"]: served_certificate(host, app) for app in apps}
    hook = host.file("/etc/letsencrypt/renewal-hooks/deploy/flaskstack-reload-web-server")
    assert hook.exists and hook.mode == 0o755
    assert "REQUESTS_CA_BUNDLE=/etc/flaskstack/tls/acme-ca.pem" in host.file(
        "/etc/systemd/system/certbot.service.d/flaskstack-acme-ca.conf"
    ).content_string
    # What the certbot timer runs, forced: the hook must reload Nginx with the new
    # certificate. Without a terminal certbot first sleeps up to 8 minutes (to
    # spread renewals over time); the test does not wait for that.
    renew = host.run(
        "REQUESTS_CA_BUNDLE=/etc/flaskstack/tls/acme-ca.pem certbot renew --force-renewal --non-interactive --no-random-sleep-on-renew"
    )
    assert renew.rc == 0, renew.stdout + renew.stderr
    for app in apps:
        after = served_certificate(host, app)
        assert "Pebble" in after
        assert after != before[app["name"]], "the renewed certificate is not served"
