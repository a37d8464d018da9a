"""Self-signed certificates are made again before they expire between runs of
the playbook too: the daily timer flaskstack-tls-renew.timer makes one that
ends within tls_self_signed_renew_days again, with its key and names, and the
web server serves it at once; the others are left alone."""

import datetime
import shlex
import time

from stacklib import fetch_app
from ansible_collections.flaskstack.deploy.plugins.module_utils import pairings


def served(host, app):
    """The end date and fingerprint of the certificate the web server presents for the application."""
    name = app["server_names"][0]
    out = host.check_output(
        f"echo | openssl s_client -connect 127.0.0.1:{app['tls_port']} -servername {name} 2>/dev/null | openssl x509 -noout -enddate -fingerprint -sha256"
    )
    fields = dict(line.split("=", 1) for line in out.splitlines())
    end = datetime.datetime.strptime(fields["notAfter"], "%b %d %H:%M:%S %Y %Z").replace(tzinfo=datetime.timezone.utc)
    return end, fields["sha256 Fingerprint"]


def served_once(host, app, expected):
    """What the web server presents once its reload reached its workers (a reload
    is asynchronous): the first answer that ends as expected says, within 15 s."""
    deadline = time.time() + 15
    while True:
        seen = served(host, app)
        if expected(seen) or time.time() > deadline:
            return seen
        time.sleep(0.3)


def test_the_renewal_timer_runs_daily_and_catches_up(host):
    timer = host.service("flaskstack-tls-renew.timer")
    assert timer.is_enabled and timer.is_running
    assert "Persistent=true" in host.file("/etc/systemd/system/flaskstack-tls-renew.timer").content_string


def test_a_certificate_about_to_expire_is_made_again_and_served(host, apps, pairing):
    own = [app for app in apps if app["tls_source"] == "self_signed"]
    app, others = own[0], own[1:]
    before = {other["name"]: served(host, other) for other in others}
    # A certificate of the application's key and names that ends tomorrow, served.
    alt_names = ",".join(app["tls_alt_names"])
    host.check_output(
        f"openssl req -x509 -new -key {app['tls_key_path']} -subj /CN={app['server_names'][0]} -addext {shlex.quote('subjectAltName=' + alt_names)}"
        f" -days 1 -out {app['tls_cert_path']}"
    )
    host.check_output(f"systemctl reload {pairings.WEB_SERVERS[pairing[1]]['unit']}")
    now = datetime.datetime.now(datetime.timezone.utc)
    soon = now + datetime.timedelta(days=2)
    assert served_once(host, app, lambda seen: seen[0] < soon)[0] < soon
    # What the timer runs.
    host.check_output("systemctl start flaskstack-tls-renew.service")
    late = now + datetime.timedelta(days=800)
    end, fingerprint = served_once(host, app, lambda seen: seen[0] > late)
    assert end > late, end
    assert host.check_output(f"openssl x509 -noout -fingerprint -sha256 -in {app['tls_cert_path']}").split("=", 1)[1] == fingerprint
    names = host.check_output(f"openssl x509 -noout -ext subjectAltName -in {app['tls_cert_path']}").splitlines()[-1]
    assert sorted(n.strip().replace("IP Address:", "IP:") for n in names.split(",")) == sorted(app["tls_alt_names"]), names
    journal = host.check_output("journalctl -q --no-pager -u flaskstack-tls-renew.service -n 20")
    assert f"{app['name']}: a new self-signed certificate" in journal, journal
    # Nothing is due any more: a second run changes nothing; the others were never due.
    host.check_output("systemctl start flaskstack-tls-renew.service")
    assert served(host, app) == (end, fingerprint)
    assert {other["name"]: served(host, other) for other in others} == before
    assert fetch_app(host, app, app["url_prefix"]).status == 200
