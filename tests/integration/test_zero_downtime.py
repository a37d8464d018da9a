"""Deploys under load, in every pairing: a new release, new settings (also
after a deploy that failed before it could restart the app), a release that cannot
import, one whose health check fails (refused before any traffic), one that
fails only behind the web server (rolled back at once), a rollback and a deploy
that changes nothing. The tests run in order on one host, each from where the
last left it.

While each runs, tests/integration/loadgen.py requests the first application
from inside the lab host (its page, its health path and a slow request); every
request must succeed, except, for the release that fails only behind the web
server, the few it answered before the gate took it back.
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
    """Record a measured deploy for the report of scripts/test (extra: more figures of the step)."""
    FIGURES.mkdir(parents=True, exist_ok=True)
    name = f"{os.environ.get('MOLECULE_SCENARIO_NAME', 'scenario')}-{os.environ.get('MOLECULE_DISTRO', 'bookworm')}"
    path = FIGURES / f"{name}.json"
    figures = json.loads(path.read_text()) if path.exists() else {}
    figures[step] = {"seconds": round(seconds, 1)}
    if load is not None:
        figures[step].update(sent=load.result["sent"], failed=load.result["failed"])
        figures[step].update(health_sent=len(load.result["health"]), health_failed=load.result["failed_health"])
    figures[step].update(extra)
    path.write_text(json.dumps(figures, indent=1))


@pytest.fixture(scope="module")
def demo(apps):
    return apps[0]


@pytest.fixture(scope="module")
def variants(tmp_path_factory, raw_apps):
    """Variants of the first application's code on the controller, and the
    extra-vars file that deploys each."""
    base = tmp_path_factory.mktemp("releases")
    source = pathlib_source(raw_apps[0])
    out = {}
    for name, version, patch in [
        ("v2", "2.0.0", None),
        ("broken", "3.0.0", lambda text: text + "\nimport flaskstack_no_such_module  # noqa\n"),
        (
            "unhealthy",
            "4.0.0",
            lambda text: text.replace(
                'return jsonify(status="ok", name=app.config["APP_NAME"], version=VERSION)',
                'return jsonify(status="failing", version=VERSION), 503',
            ),
        ),
        # Healthy when the deploy asks it in-process (the probe marks its request),
        # failing behind the web server: only the gate after the switch can tell.
        (
            "unhealthy_behind_the_web_server",
            "5.0.0",
            lambda text: text.replace(
                'return jsonify(status="ok", name=app.config["APP_NAME"], version=VERSION)',
                'return (jsonify(status="ok", name=app.config["APP_NAME"], version=VERSION) if request.environ.get("flaskstack.probe")'
                ' else (jsonify(status="failing", version=VERSION), 503))',
            ),
        ),
    ]:
        tree = base / name
        shutil.copytree(source, tree)
        (tree / "demo" / "VERSION").write_text(version + "\n")
        if patch:
            init = tree / "demo" / "__init__.py"
            patched = patch(init.read_text())
            assert patched != init.read_text()
            init.write_text(patched)
        apps = [dict(raw_apps[0], source={"path": str(tree)})] + list(raw_apps[1:])
        extra = base / f"{name}.json"
        extra.write_text(json.dumps({"flaskstack_apps": apps}))
        out[name] = extra
    return out


def pathlib_source(raw_app):
    import pathlib

    return pathlib.Path(raw_app["source"]["path"])


def deploy(*args, playbook="deploy.yml"):
    """Run one of the collection's playbooks; its output (failures go to stderr) is .output."""
    t0 = time.monotonic()
    result = ansible_playbook(*args, playbook=REPO / "playbooks" / playbook)
    result.output = result.stdout + result.stderr
    return result, time.monotonic() - t0


def live_release(host, app):
    return host.file(app["current_link"]).linked_to.rsplit("/", 1)[-1]


def version_of(host, app):
    return fetch_app(host, app, app["url_prefix"] + "health").json()["version"]


def test_deploy_v2_drops_no_request(host, demo, variants):
    keep = f"{demo['code_dir']}/instance/kept.txt"
    shared = "instance" in demo["shared_dirs"]
    if shared:
        assert host.run(f"runuser -u {demo['user']} -- sh -c 'echo kept > {keep}'").rc == 0
    before = live_release(host, demo)
    # Slow requests of 8 s, counted when they end even after the load stopped:
    # one is still in flight when the new release's workers have started and
    # answered, even on a busy machine.
    with Load(host, demo, slow_seconds=8, finish_slow=True) as load:
        result, seconds = deploy("-e", f"@{variants['v2']}")
    assert result.returncode == 0, result.output[-3000:]
    _figure("deploy v1 -> v2", seconds, load)
    assert load.result["failed"] == 0, load.summary()
    assert load.result["sent"] > 50, load.summary()
    assert load.versions()[0] == "1.0.0" and load.versions()[-1] == "2.0.0", load.versions()
    # A slow request that the old release answered ended after the new one had
    # answered: the reload let it finish.
    first_v2 = next(t for t, status, version in load.result["fast"] if version == "2.0.0")
    assert any(
        status == 200 and version == "1.0.0" and end > first_v2 for _, end, status, version in load.result["slow"]
    ), load.result["slow"]
    assert version_of(host, demo) == "2.0.0"
    assert host.file(demo["previous_link"]).linked_to.endswith("/" + before)
    # Only the code changed: the new release uses the environment of the old one.
    after = live_release(host, demo)
    assert after != before
    assert host.file(f"{demo['releases_dir']}/{after}/venv").linked_to == host.file(f"{demo['releases_dir']}/{before}/venv").linked_to
    if shared:
        assert host.file(keep).content_string == "kept\n"


def test_new_settings_reach_the_app_even_after_a_failed_deploy(host, apps, variants, tmp_path):
    """A changed setting restarts the application with it (its app server's
    entry point "restart"), with no failed request; a deploy that fails before
    that leaves the restart to the next one, which then does it."""
    if len(apps) < 2:
        pytest.skip("needs a second application")
    blog = apps[1]
    greeting = "Greetings, changed"

    def extra(variant):
        settings = json.loads(variants[variant].read_text())
        settings["flaskstack_apps"][1] = dict(settings["flaskstack_apps"][1], env=dict(settings["flaskstack_apps"][1].get("env", {}), DEMO_GREETING=greeting))
        path = tmp_path / f"{variant}-settings.json"
        path.write_text(json.dumps(settings))
        return f"@{path}"

    # The first application's broken release stops the deploy before the switch,
    # after the new settings were written.
    result, _ = deploy("-e", extra("broken"))
    assert result.returncode != 0
    assert host.file(blog["restart_marker"]).exists, "the restart the new settings need is not noted on the host"
    assert greeting not in fetch_app(host, blog, blog["url_prefix"]).body
    # The next deploy writes nothing new, but restarts what waited for it.
    with Load(host, blog) as load:
        result, seconds = deploy("-e", extra("v2"))
    assert result.returncode == 0, result.output[-3000:]
    _figure("new settings (restart)", seconds, load)
    assert load.result["failed"] == 0, load.summary()
    assert greeting in fetch_app(host, blog, blog["url_prefix"]).body
    assert not host.file(blog["restart_marker"]).exists


def test_release_that_cannot_import_never_goes_live(host, demo, variants, tmp_path):
    before = live_release(host, demo)
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
    with Load(host, demo) as load:
        result, _ = deploy("-i", str(second), "-e", "flaskstack_serial=1", "-e", f"@{variants['broken']}")
    assert result.returncode != 0
    assert "second-batch" not in result.output, result.output[-3000:]
    assert "failed the import of its WSGI entry point" in result.output, result.output[-3000:]
    assert "flaskstack_no_such_module" in result.output
    assert f"release {before} keeps serving" in result.output
    _figure("broken release (import error)", 0, load)
    assert load.result["failed"] == 0, load.summary()
    assert set(load.versions()) == {"2.0.0"}, load.versions()
    assert live_release(host, demo) == before


def test_a_release_whose_health_check_fails_never_gets_traffic(host, demo, variants):
    before = live_release(host, demo)
    with Load(host, demo) as load:
        result, seconds = deploy("-e", f"@{variants['unhealthy']}")
    assert result.returncode != 0
    assert "failed its health check before any traffic" in result.output, result.output[-3000:]
    assert "answered 503" in result.output and '"failing"' in result.output, result.output[-3000:]
    assert f"release {before} keeps serving" in result.output
    _figure("unhealthy release (refused before traffic)", seconds, load)
    # Every path the clients ask for, the health path included, kept answering from the live release.
    assert load.result["failed"] == 0, load.summary()
    assert load.result["health"] and set(load.versions()) == {"2.0.0"}, load.versions()
    assert live_release(host, demo) == before


def test_a_release_that_fails_behind_the_web_server_is_rolled_back_at_once(host, demo, variants, hostvars):
    before = live_release(host, demo)
    # The gate gives up after app_health_fail_after (3) unhealthy answers of the new
    # release, long before the timeout; the rollback's own gate then waits for the
    # old release (a mod_wsgi daemon under constant load restarts when no request
    # is in flight or, at the latest, after its graceful-timeout).
    drain = int(hostvars.get("mod_wsgi_graceful_timeout", 30)) if demo["app_server"] == "mod_wsgi" else 0
    timeout = 60 + drain
    with Load(host, demo) as load:
        result, seconds = deploy("-e", f"@{variants['unhealthy_behind_the_web_server']}", "-e", f"app_health_timeout={timeout}")
    assert result.returncode != 0
    assert "did not pass its health check" in result.output, result.output[-3000:]
    assert re.search(rf"Rolled back: release {before} is live again and healthy", result.output), result.output[-3000:]
    window = load.failure_window("health")
    if demo["runtime"] == "container":
        # Its container is asked through its own socket before the web server's
        # link moves to it, as the web server would ask: no request reaches it.
        _figure("fails behind the web server (refused before traffic)", seconds, load)
        assert "before any traffic" in result.output and "nothing was switched" in result.output, result.output[-3000:]
        assert re.search(r"(\d+) unhealthy answers in a row, given up after ([\d.]+) s", result.output), result.output[-3000:]
        assert load.result["failed"] == 0 and window == 0, load.summary()
        assert live_release(host, demo) == before and version_of(host, demo) == "2.0.0"
        return
    _figure("fails behind the web server (rolled back)", seconds, load, bad_release_answered=window)
    # Given up within seconds, not after the timeout: the gate says when (its
    # own time, whatever the build of the release before it took).
    gave_up = re.search(r"(\d+) unhealthy answers in a row, given up after ([\d.]+) s", result.output)
    assert gave_up, result.output[-3000:]
    assert int(gave_up.group(1)) == int(hostvars.get("app_health_fail_after", 3)) and float(gave_up.group(2)) < timeout / 2, gave_up.group(0)
    # Only the health path failed, for the few seconds the new release answered it
    # (the gate's few answers, then the reload back to the previous release; a
    # mod_wsgi daemon drains its requests first, for up to its graceful timeout).
    assert load.result["failed"] == load.result["failed_health"], load.summary()
    assert 0 < window < 10 + drain, (window, load.summary())
    assert load.versions()[-1] == "2.0.0", load.versions()
    assert live_release(host, demo) == before
    assert version_of(host, demo) == "2.0.0"


def test_rollback_drops_no_request(host, demo):
    previous = host.file(demo["previous_link"]).linked_to.rsplit("/", 1)[-1]
    with Load(host, demo) as load:
        result, seconds = deploy("-e", json.dumps({"app_rollback_apps": [demo["name"]]}), playbook="rollback.yml")
    assert result.returncode == 0, result.output[-3000:]
    _figure("rollback", seconds, load)
    assert load.result["failed"] == 0, load.summary()
    assert load.versions()[-1] == "1.0.0", load.versions()
    assert live_release(host, demo) == previous
    assert version_of(host, demo) == "1.0.0"


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


# After the deploys: the web server's configuration changes while the first
# application is under load (a site and a certificate added, then taken away).
# Slow requests of 4 s, counted when they end: one is always in flight across
# the web server's reload, longer than the 3 s an Apache graceful reload gives
# the work it hosts.
def test_an_application_added_and_removed_under_load_fails_no_request(host, demo, raw_apps, pairing, tmp_path):
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
    with Load(host, demo, slow_seconds=4, finish_slow=True) as load:
        result, seconds = deploy("-e", f"@{added}", playbook="site.yml")
    assert result.returncode == 0, result.output[-3000:]
    _figure("web server change: an app added, a certificate replaced", seconds, load)
    assert load.result["failed"] == 0, load.summary()
    if replaced:
        assert _served_fingerprint(host, demo) == replaced[2] != before
    (new,) = [a for a in layout.app_layouts(raw_apps + [extra], app_server=pairing[0], web_server=pairing[1]) if a["name"] == "extra"]
    response = fetch_app(host, new, "/")
    assert response.status == 200 and response.body == "extra answers /", (response.status, response.body)
    assert host.file(f"{new['releases_dir']}").exists

    removed = tmp_path / "removed.json"
    removed.write_text(json.dumps({"flaskstack_apps": list(raw_apps) + [{"name": "extra", "state": "absent"}]}))
    with Load(host, demo, slow_seconds=4, finish_slow=True) as load:
        result, seconds = deploy("-e", f"@{removed}", playbook="site.yml")
    assert result.returncode == 0, result.output[-3000:]
    _figure("web server change: that app removed, the certificate back", seconds, load)
    assert load.result["failed"] == 0, load.summary()
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
    assert version_of(host, demo) == "1.0.0"
