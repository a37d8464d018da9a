"""The status view (playbooks/status.yml) on the converged host: each
application's live release, health, units or containers and certificate, the
host's pending upgrades; read-only, in check mode too; and an application that
is down shows as such."""

import datetime
import json
import re

from stacklib import REPO, ansible_playbook, fetch_app


def view(*args):
    """The lines the status view printed for the lab host, and the run's recap."""
    result = ansible_playbook(*args, playbook=REPO / "playbooks" / "status.yml", env_update={"ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json"})
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    # The JSON of the run; the scenario's timer callback writes its line after it.
    run, _ = json.JSONDecoder().raw_decode(result.stdout)
    (stats,) = run["stats"].values()
    shown = [t for t in run["plays"][0]["tasks"] if t["task"]["name"].endswith(": Show the state of each application")]
    (host,) = shown[-1]["hosts"].values()
    return host["msg"], stats


def section(lines, app):
    """The lines of one application's part of the view."""
    start = next(i for i, line in enumerate(lines) if line.startswith(f"{app['name']} ("))
    end = next((i for i in range(start + 1, len(lines)) if not lines[i].startswith("  ")), len(lines))
    return lines[start:end]


def test_the_status_view_shows_every_application_and_changes_nothing(host, apps):
    for args in ((), ("--check",)):
        lines, stats = view(*args)
        assert stats["changed"] == 0 and stats["failures"] == 0, stats
        assert re.match(r"packages: \d+ upgrades pending \(\d+ from a security archive\)", lines[0]), lines[0]
        for app in apps:
            part = "\n".join(section(lines, app))
            live = host.file(app["current_link"]).linked_to.rsplit("/", 1)[-1]
            assert f"  live: {live} since " in part, part
            assert f"  health: 200 from {live}" in part, part
            for unit in app["app_units"]:
                assert f"  unit {unit}: active (" in part, part
            if app["runtime"] == "container":
                assert re.search(r"  container flaskstack-\S+: running \(Up .*\), release " + live, part), part
            if app["tls"]:
                end = host.check_output(f"openssl x509 -noout -enddate -in {app['tls_cert_path']}").split("=", 1)[1]
                day = datetime.datetime.strptime(end, "%b %d %H:%M:%S %Y %Z").strftime("%Y-%m-%d")
                assert f"  certificate: expires {day} " in part, part


def test_an_application_that_is_down_shows_as_such(host, apps):
    app = next(a for a in apps if a["app_units"])
    units = " ".join(app["app_units"])
    host.check_output(f"systemctl stop {units}")
    try:
        lines, stats = view()
        part = "\n".join(section(lines, app))
        assert stats["failures"] == 0, "a failing application is part of the view, not a failure of the play"
        assert "  health: FAILING, " in part and "(NOT RUNNING)" in part, part
    finally:
        host.check_output(f"systemctl start {units}")
    assert fetch_app(host, app, app["url_prefix"]).status == 200
