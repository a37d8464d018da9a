"""Deploys under load, in every pairing: a new release, new settings (also
after a deploy that failed before it could restart the app), a release that cannot
import, one whose health check fails (refused before any traffic), one that
fails only behind the web server (rolled back at once), a rollback and a deploy
that changes nothing. The tests run in order on one host, each from where the
last left it.

Each deploy ships to every application of the host at once (one per app server
and runtime), and while it runs, tests/integration/loadgen.py requests every
application from inside the lab host (its page, its health path and a slow
request); every request must succeed, except, for a release that fails only
behind the web server, the few it answered before the gate took it back.
"""

import json
import os
import re
import shutil
import time

import pytest
from stacklib import REPO, Load, ansible_playbook, curl_command, fetch, fetch_app, layout

FIGURES = REPO / ".cache" / "deploy-figures"


def _figure(step, seconds, load=None, **extra):
    """Record a measured deploy for the report of scripts/test (extra: more figures
    of the step): the requests of every application together, and each one's."""
    FIGURES.mkdir(parents=True, exist_ok=True)
    name = f"{os.environ.get('MOLECULE_SCENARIO_NAME', 'scenario')}-{os.environ.get('MOLECULE_DISTRO', 'bookworm')}"
    path = FIGURES / f"{name}.json"
    figures = json.loads(path.read_text()) if path.exists() else {}
    figures[step] = {"seconds": round(seconds, 1)}
    if load is not None:
        figures[step].update(sent=load.sent(), failed=load.failed())
        figures[step].update(health_sent=sum(len(r["health"]) for r in load.results.values()), health_failed=load.failed("failed_health"))
        figures[step]["per_app"] = {name: [r["sent"], r["failed"]] for name, r in load.results.items()}
        figures[step]["slowest_answer"] = max(r.get("slowest", 0) for r in load.results.values())
    figures[step].update(extra)
    path.write_text(json.dumps(figures, indent=1))


# The code variants deployed, each a copy of the applications' code with
# another VERSION and, for the bad ones, a change to the package.
VARIANTS = {
    "v2": ("2.0.0", None),
    "broken": ("3.0.0", lambda text: text + "\nimport flaskstack_no_such_module  # noqa\n"),
    "unhealthy": (
        "4.0.0",
        lambda text: text.replace(
            'return jsonify(status="ok", name=app.config["APP_NAME"], version=VERSION)',
            'return jsonify(status="failing", version=VERSION), 503',
        ),
    ),
    # Healthy when the deploy asks it in-process (the probe marks its request),
    # failing behind the web server: only the gate after the switch can tell.
    "unhealthy_behind_the_web_server": (
        "5.0.0",
        lambda text: text.replace(
            'return jsonify(status="ok", name=app.config["APP_NAME"], version=VERSION)',
            'return (jsonify(status="ok", name=app.config["APP_NAME"], version=VERSION) if request.environ.get("flaskstack.probe")'
            ' else (jsonify(status="failing", version=VERSION), 503))',
        ),
    ),
}


@pytest.fixture(scope="module")
def deployment(tmp_path_factory, raw_apps):
    """deployment({app name: variant}, default=VARIANT, env={app name: {KEY: VALUE}}):
    the extra-vars argument that deploys each application's code in the variant
    named for it (or the default one), with its settings changed by env."""
    base = tmp_path_factory.mktemp("releases")
    trees = {}

    def tree(source, variant):
        if (source, variant) not in trees:
            version, patch = VARIANTS[variant]
            path = base / f"{len(trees)}-{variant}"
            shutil.copytree(source, path)
            (path / "demo" / "VERSION").write_text(version + "\n")
            if patch:
                init = path / "demo" / "__init__.py"
                patched = patch(init.read_text())
                assert patched != init.read_text()
                init.write_text(patched)
            trees[source, variant] = path
        return trees[source, variant]

    def make(variants=None, default="v2", env=None):
        apps = []
        for raw in raw_apps:
            app = dict(raw, source={"path": str(tree(raw["source"]["path"], (variants or {}).get(raw["name"], default)))})
            if raw["name"] in (env or {}):
                app["env"] = dict(raw.get("env", {}), **env[raw["name"]])
            apps.append(app)
        extra = base / f"deploy-{len(list(base.glob('deploy-*.json')))}.json"
        extra.write_text(json.dumps({"flaskstack_apps": apps}))
        return f"@{extra}"

    return make


def deploy(*args, playbook="deploy.yml"):
    """Run one of the collection's playbooks; its output (failures go to stderr) is .output."""
    t0 = time.monotonic()
    result = ansible_playbook(*args, playbook=REPO / "playbooks" / playbook)
    result.output = result.stdout + result.stderr
    return result, time.monotonic() - t0


def live_release(host, app):
    return host.file(app["current_link"]).linked_to.rsplit("/", 1)[-1]


def live_releases(host, apps):
    return {app["name"]: live_release(host, app) for app in apps}


def version_of(host, app):
    return fetch_app(host, app, app["url_prefix"] + "health").json()["version"]


def by_runtime(apps):
    """The applications in the groups a failing deploy is tried on, one deploy
    each: those under systemd, then those in containers. A container is checked
    over its own socket before the web server's link moves to it, and a failure
    there sends every application of the switch back: one group at a time."""
    groups = [[a for a in apps if a["runtime"] != "container"], [a for a in apps if a["runtime"] == "container"]]
    return [group for group in groups if group]


def test_deploy_v2_drops_no_request(host, apps, deployment):
    kept = {}
    for app in apps:
        if "instance" in app["shared_dirs"]:
            kept[app["name"]] = f"{app['code_dir']}/instance/kept.txt"
            assert host.run(f"runuser -u {app['user']} -- sh -c 'echo kept > {kept[app['name']]}'").rc == 0
    before = live_releases(host, apps)
    # Slow requests of 12 s, counted when they end even after the load stopped:
    # two are always in flight, 6 s apart, so one is still running when the new
    # release's workers have started and answered, even on a busy machine where
    # every application's app server reloads at once.
    with Load(host, apps, slow_seconds=12, finish_slow=True) as load:
        result, seconds = deploy("-e", deployment())
    assert result.returncode == 0, result.output[-3000:]
    _figure("deploy v1 -> v2", seconds, load)
    assert load.failed() == 0, load.summary()
    for app in apps:
        seen = load.results[app["name"]]
        assert seen["sent"] > 20, load.summary()
        assert load.versions(app)[0] == "1.0.0" and load.versions(app)[-1] == "2.0.0", (app["name"], load.versions(app))
        # A slow request of the old release was in flight at the switch and still
        # ended well: the reload let it finish. The switch is the first answer of
        # the new release when the old one goes on answering beside it for a while
        # (mod_wsgi's daemons restart one by one), else the last answer of the old
        # one (uWSGI's new workers may answer only seconds later on a busy machine).
        answers = seen["fast"] + seen["health"]
        last_v1 = max(t for t, status, version in answers if version == "1.0.0")
        first_v2 = min(t for t, status, version in answers if version == "2.0.0")
        switch = min(first_v2, last_v1)
        assert any(status == 200 and version == "1.0.0" and start < first_v2 and end > switch for start, end, status, version in seen["slow"]), (
            app["name"], f"last 1.0.0 answer at {last_v1:.1f} s, first 2.0.0 at {first_v2:.1f} s",
            [(round(s, 1), round(e, 1), v) for s, e, _, v in seen["slow"]])
        assert version_of(host, app) == "2.0.0"
        assert host.file(app["previous_link"]).linked_to.endswith("/" + before[app["name"]])
        # Only the code changed: the new release uses the environment of the old one.
        after = live_release(host, app)
        assert after != before[app["name"]]
        releases = app["releases_dir"]
        assert host.file(f"{releases}/{after}/venv").linked_to == host.file(f"{releases}/{before[app['name']]}/venv").linked_to
        if app["name"] in kept:
            assert host.file(kept[app["name"]]).content_string == "kept\n"


def test_new_settings_reach_the_app_even_after_a_failed_deploy(host, apps, deployment):
    """A changed setting restarts the application with it (its app server's
    entry point "restart"), with no failed request; a deploy that fails before
    that leaves the restart to the next one, which then does it."""
    greeting = "Greetings, changed"
    env = {app["name"]: {"DEMO_GREETING": greeting} for app in apps}
    # One application's broken release (a container's when there is one: its
    # check runs in a container of its image) stops the deploy before the switch,
    # after the new settings of every application were written.
    broken = ([a for a in apps if a["runtime"] == "container"] or apps)[0]
    result, _ = deploy("-e", deployment({broken["name"]: "broken"}, env=env))
    assert result.returncode != 0
    assert "failed the import of its WSGI entry point" in result.output and broken["name"] in result.output, result.output[-3000:]
    for app in apps:
        assert host.file(app["restart_marker"]).exists, f"{app['name']}: the restart the new settings need is not noted on the host"
        assert greeting not in fetch_app(host, app, app["url_prefix"]).body
    # The next deploy writes nothing new, but restarts what waited for it.
    with Load(host, apps) as load:
        result, seconds = deploy("-e", deployment(env=env))
    assert result.returncode == 0, result.output[-3000:]
    _figure("new settings (restart)", seconds, load)
    assert load.failed() == 0, load.summary()
    for app in apps:
        assert greeting in fetch_app(host, app, app["url_prefix"]).body, app["name"]
        assert not host.file(app["restart_marker"]).exists


def test_release_that_cannot_import_never_goes_live(host, apps, deployment, tmp_path):
    before = live_releases(host, apps)
    # A second inventory name for the same lab host, in a second batch
    # (flaskstack_serial=1): the failure in the first batch must stop the play
    # before that batch starts.
    second = tmp_path / "second-batch.yml"
    second.write_text(
        json.dumps(
            {
                "flaskstack": {
                    "hosts": {
                        "second-batch": {"ansible_connection": "community.docker.docker", "ansible_host": host.backend.get_hostname()}
                    }
                }
            }
        )
    )
    with Load(host, apps) as load:
        result, _ = deploy("-i", str(second), "-e", "flaskstack_serial=1", "-e", deployment(default="broken"))
    assert result.returncode != 0
    assert "second-batch" not in result.output, result.output[-3000:]
    assert "failed the import of its WSGI entry point" in result.output, result.output[-3000:]
    assert "flaskstack_no_such_module" in result.output
    # Every application checked says what keeps serving (the virtualenv ones are
    # checked first; the containers' check is the settings test's, above).
    for app in by_runtime(apps)[0]:
        assert f"release {before[app['name']]} keeps serving" in result.output, (app["name"], result.output[-3000:])
    _figure("broken release (import error)", 0, load)
    assert load.failed() == 0, load.summary()
    for app in apps:
        assert set(load.versions(app)) == {"2.0.0"}, (app["name"], load.versions(app))
    assert live_releases(host, apps) == before


def test_a_release_whose_health_check_fails_never_gets_traffic(host, apps, deployment):
    before = live_releases(host, apps)
    for group in by_runtime(apps):
        with Load(host, apps) as load:
            result, seconds = deploy("-e", deployment({app["name"]: "unhealthy" for app in group}))
        assert result.returncode != 0
        assert "failed its health check before any traffic" in result.output, result.output[-3000:]
        assert "answered 503" in result.output and '"failing"' in result.output, result.output[-3000:]
        for app in group:
            assert f"release {before[app['name']]} keeps serving" in result.output, (app["name"], result.output[-3000:])
        served_by = ", ".join(sorted({app["served_by"] for app in group}))
        _figure(f"unhealthy release, {served_by} (refused before traffic)", seconds, load)
        # Every path the clients ask for, the health path included, kept answering from the live release.
        assert load.failed() == 0, load.summary()
        for app in apps:
            assert load.results[app["name"]]["health"] and set(load.versions(app)) == {"2.0.0"}, (app["name"], load.versions(app))
        assert live_releases(host, apps) == before


def test_a_release_that_fails_behind_the_web_server_is_rolled_back_at_once(host, apps, deployment, hostvars):
    before = live_releases(host, apps)
    for group in by_runtime(apps):
        # The gate gives up after app_health_fail_after (3) unhealthy answers of each
        # new release, long before the timeout; the rollback's own gate then waits
        # for the old releases (a mod_wsgi daemon under constant load restarts when
        # no request is in flight or, at the latest, after its graceful-timeout).
        drain = int(hostvars.get("mod_wsgi_graceful_timeout", 30)) if any(a["app_server"] == "mod_wsgi" for a in group) else 0
        timeout = 60 + drain
        served_by = ", ".join(sorted({app["served_by"] for app in group}))
        with Load(host, apps) as load:
            result, seconds = deploy(
                "-e", deployment({app["name"]: "unhealthy_behind_the_web_server" for app in group}), "-e", f"app_health_timeout={timeout}"
            )
        assert result.returncode != 0
        assert "did not pass its health check" in result.output, result.output[-3000:]
        gave_up = re.findall(r"(\d+) unhealthy answers in a row, given up after ([\d.]+) s", result.output)
        assert gave_up, result.output[-3000:]
        if group[0]["runtime"] == "container":
            # Its container is asked through its own socket before the web server's
            # link moves to it, as the web server would ask: no request reaches it.
            _figure(f"fails behind the web server, {served_by} (refused before traffic)", seconds, load)
            assert "before any traffic" in result.output and "nothing was switched" in result.output, result.output[-3000:]
            assert load.failed() == 0, load.summary()
            for app in group:
                assert load.failure_window("health", app) == 0, load.summary()
        else:
            windows = {app["name"]: load.failure_window("health", app) for app in group}
            _figure(f"fails behind the web server, {served_by} (rolled back)", seconds, load, bad_release_answered=windows)
            # Given up within seconds, not after the timeout: the gate says when (its
            # own time, whatever the build of the release before it took).
            for answers, after in gave_up:
                assert int(answers) == int(hostvars.get("app_health_fail_after", 3)) and float(after) < timeout / 2, gave_up
            for app in group:
                assert re.search(rf"Rolled back: release {before[app['name']]} is live again and healthy", result.output), (app["name"], result.output[-3000:])
                seen = load.results[app["name"]]
                # Only the health path failed, for the few seconds the new release answered
                # it (the gate's few answers, then the reload back to the previous release;
                # a mod_wsgi daemon drains its requests first, for up to its graceful timeout).
                assert seen["failed"] == seen["failed_health"], load.summary()
                # The applications of one switch go back together, once every gate has
                # given up (a mod_wsgi one after its drain): before the health timeout.
                assert 0 < windows[app["name"]] < timeout, (app["name"], windows, load.summary())
        # The others never saw a failure.
        for app in apps:
            if app not in group:
                assert load.results[app["name"]]["failed"] == 0, load.summary()
            assert load.versions(app)[-1] == "2.0.0", (app["name"], load.versions(app))
            assert version_of(host, app) == "2.0.0"
        assert live_releases(host, apps) == before


def test_rollback_drops_no_request(host, apps):
    previous = {app["name"]: host.file(app["previous_link"]).linked_to.rsplit("/", 1)[-1] for app in apps}
    with Load(host, apps) as load:
        result, seconds = deploy("-e", json.dumps({"app_rollback_apps": [app["name"] for app in apps]}), playbook="rollback.yml")
    assert result.returncode == 0, result.output[-3000:]
    _figure("rollback", seconds, load)
    assert load.failed() == 0, load.summary()
    for app in apps:
        assert load.versions(app)[-1] == "1.0.0", (app["name"], load.versions(app))
        assert version_of(host, app) == "1.0.0"
    assert live_releases(host, apps) == previous


def test_deploy_that_changes_nothing_changes_nothing(host, apps):
    releases = {app["name"]: sorted(host.file(app["releases_dir"]).listdir()) for app in apps}
    result, seconds = deploy()
    assert result.returncode == 0, result.output[-3000:]
    _figure("deploy with no change", seconds)
    assert re.search(r"changed=0\s+unreachable=0\s+failed=0", result.output), result.output[-3000:]
    for app in apps:
        after = sorted(host.file(app["releases_dir"]).listdir())
        # No new release; the unfinished build of the broken one is gone.
        assert set(after) <= set(releases[app["name"]]), (releases, after)
        for release in after:
            assert host.file(f"{app['releases_dir']}/{release}/.flaskstack-release").exists
        # Every environment is finished and used by a release that stays.
        used = {host.file(f"{app['releases_dir']}/{r}/venv").linked_to.rsplit("/", 1)[-1] for r in after}
        for env in host.file(app["envs_dir"]).listdir():
            assert env in used, (env, used)
            assert host.file(f"{app['envs_dir']}/{env}/.flaskstack-env").exists


def _new_certificate(certificate_file, directory):
    """A new key and certificate for the same names, signed by the CA that signed
    CERTIFICATE_FILE (the lab's, next to it): (certificate, key, SHA-256 fingerprint)."""
    import datetime
    import pathlib

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    lab = pathlib.Path(certificate_file).parent
    old = x509.load_pem_x509_certificate(pathlib.Path(certificate_file).read_bytes())
    ca_key = serialization.load_pem_private_key((lab / "ca.key").read_bytes(), password=None)
    ca = x509.load_pem_x509_certificate((lab / "ca.crt").read_bytes())
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (
        x509.CertificateBuilder()
        .subject_name(old.subject)
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=30))
    )
    for extension in old.extensions:
        if extension.oid in (x509.OID_SUBJECT_ALTERNATIVE_NAME, x509.OID_EXTENDED_KEY_USAGE):
            builder = builder.add_extension(extension.value, extension.critical)
    cert = builder.sign(ca_key, hashes.SHA256())
    cert_path, key_path = directory / "replaced.crt", directory / "replaced.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return cert_path, key_path, cert.fingerprint(hashes.SHA256()).hex().upper()


def _served_fingerprint(host, app):
    """The SHA-256 fingerprint of the certificate the web server presents for the app."""
    name, port = app["server_names"][0], app["tls_port"]
    out = host.check_output(
        f"openssl s_client -connect 127.0.0.1:{port} -servername {name} </dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha256"
    )
    return out.split("=", 1)[1].replace(":", "").strip().upper()


# After the deploys: the web server's configuration changes while every
# application is under load (a site and a certificate added, then taken away).
# Slow requests of 4 s, counted when they end: one is always in flight across
# the web server's reload, longer than the 3 s an Apache graceful reload gives
# the work it hosts.
def test_an_application_added_and_removed_under_load_fails_no_request(host, apps, raw_apps, pairing, tmp_path):
    demo = apps[0]
    # A plain WSGI application with no requirements (no Flask, no static files).
    code = tmp_path / "extra"
    code.mkdir()
    (code / "extra.py").write_text(
        "def app(environ, start_response):\n"
        "    body = ('extra answers ' + environ['PATH_INFO']).encode()\n"
        "    start_response('200 OK', [('Content-Type', 'text/plain'), ('Content-Length', str(len(body)))])\n"
        "    return [body]\n"
    )
    extra = {"name": "extra", "source": {"path": str(code)}, "entry_point": "extra:app", "server_names": ["extra.test"]}
    # In the same run, the first application's certificate is replaced by a new
    # one from the same CA (when it was given as files).
    changed = [dict(raw_apps[0]), *raw_apps[1:]]
    replaced = None
    given = raw_apps[0].get("tls") if isinstance(raw_apps[0].get("tls"), dict) else {}
    if "certificate_file" in given:
        replaced = _new_certificate(given["certificate_file"], tmp_path)
        changed[0]["tls"] = dict(changed[0]["tls"], certificate_file=str(replaced[0]), private_key_file=str(replaced[1]))
    added = tmp_path / "added.json"
    added.write_text(json.dumps({"flaskstack_apps": changed + [extra]}))
    before = _served_fingerprint(host, demo)
    with Load(host, apps, slow_seconds=4, finish_slow=True) as load:
        result, seconds = deploy("-e", f"@{added}", playbook="site.yml")
    assert result.returncode == 0, result.output[-3000:]
    _figure("web server change: an app added, a certificate replaced", seconds, load)
    assert load.failed() == 0, load.summary()
    if replaced:
        assert _served_fingerprint(host, demo) == replaced[2] != before
    (new,) = [a for a in layout.app_layouts(raw_apps + [extra], app_server=pairing[0], web_server=pairing[1]) if a["name"] == "extra"]
    response = fetch_app(host, new, "/")
    assert response.status == 200 and response.body == "extra answers /", (response.status, response.body)
    assert host.file(f"{new['releases_dir']}").exists

    removed = tmp_path / "removed.json"
    removed.write_text(json.dumps({"flaskstack_apps": list(raw_apps) + [{"name": "extra", "state": "absent"}]}))
    with Load(host, apps, slow_seconds=4, finish_slow=True) as load:
        result, seconds = deploy("-e", f"@{removed}", playbook="site.yml")
    assert result.returncode == 0, result.output[-3000:]
    _figure("web server change: that app removed, the certificate back", seconds, load)
    assert load.failed() == 0, load.summary()
    assert _served_fingerprint(host, demo) == before
    # Its units, settings, site and certificate are gone; its data stays.
    for unit in ("flaskstack-extra.socket", "flaskstack-extra.service"):
        assert not host.file(f"/etc/systemd/system/{unit}").exists
        assert not host.service(unit).is_running
    for path in (new["config_dir"], new["tls_dir"], f"/etc/nginx/sites-enabled/{new['site_name']}", f"/etc/apache2/sites-enabled/{new['site_name']}",
                 "/etc/apache2/flaskstack/extra-wsgi.conf"):  # fmt: skip
        assert not host.file(path).exists, path
    assert host.run("pgrep -u extra").rc != 0
    assert host.file(new["releases_dir"]).is_directory and host.user("extra").exists
    # The web server answers no application for its name any more.
    gone = host.run(curl_command("/", "extra.test", new["tls_port"], scheme="https"))
    assert gone.rc != 0 or "extra answers" not in gone.stdout, gone.stdout
    # The others still answer.
    for app in apps:
        assert version_of(host, app) == "1.0.0"
