"""The security defaults every pairing must show, checked on the converged lab host:
the app servers' sandbox, HTTPS (scanned with sslyze from the controller), the
security headers, what a request for an unknown host name gets, and secrets
that never reach Ansible's output nor other users.
"""

import json
import os
import pathlib
import re
import subprocess

import pytest
from stacklib import REPO, app_endpoint, curl_command, fetch, fetch_app, runs_that_wrote

# systemd-analyze security's exposure of each application's unit (0 safe, 10 unsafe).
MAX_APP_EXPOSURE = 2.0
FIGURES = REPO / ".cache" / "security-figures"
AEAD_FS_CIPHER = re.compile(r"^TLS_(ECDHE|DHE)_(ECDSA|RSA)_WITH_(AES_(128|256)_GCM_SHA(256|384)|CHACHA20_POLY1305_SHA256)$")


def _figure(key, value):
    """Record a measured figure for the report of scripts/test."""
    FIGURES.mkdir(parents=True, exist_ok=True)
    name = f"{os.environ.get('MOLECULE_SCENARIO_NAME', 'scenario')}-{os.environ.get('MOLECULE_DISTRO', 'bookworm')}"
    path = FIGURES / f"{name}.json"
    figures = json.loads(path.read_text()) if path.exists() else {}
    figures[key] = value
    path.write_text(json.dumps(figures, indent=1, sort_keys=True))


def exposure(host, unit):
    out = host.check_output(f"systemd-analyze security --no-pager {unit}")
    match = re.search(r"Overall exposure level for \S+: (\d+\.\d+) (\w+)", out)
    assert match, out
    return float(match.group(1)), match.group(2)


@pytest.fixture(scope="module")
def container_ip(host):
    name = host.backend.get_hostname()
    return subprocess.run(
        ["docker", "inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", name],
        capture_output=True, text=True, check=True, timeout=30,
    ).stdout.strip()  # fmt: skip


def test_each_app_unit_is_sandboxed_and_still_answers(host, apps):
    # A container has no unit of ours: its confinement is checked from docker
    # inspect (molecule/stack_nginx/tests/test_container.py).
    for app in (a for a in apps if a["runtime"] != "container"):
        unit = app["service_unit"]
        score, verdict = exposure(host, unit)
        _figure(f"exposure {unit}", f"{score} {verdict}")
        assert score <= MAX_APP_EXPOSURE, f"{unit}: exposure {score} {verdict}, above {MAX_APP_EXPOSURE}"
        response = fetch_app(host, app, app["url_prefix"])
        assert response.status == 200
        assert response.headers.get("x-served-by") == "flask"


def _mount_options(host, pid, path):
    """The options (ro/rw) of the mount PATH lies on, as the process PID sees it."""
    real = host.check_output(f"readlink -f {path}")
    best, options = "", None
    for line in host.file(f"/proc/{pid}/mountinfo").content_string.splitlines():
        fields = line.split()
        point, opts = fields[4].replace("\\040", " "), fields[5]
        if (real == point or real.startswith(point.rstrip("/") + "/")) and len(point) >= len(best):
            best, options = point, opts  # the last of equal mount points is the one on top
    return options.split(",")[0]


def test_the_app_writes_to_its_writable_paths_only(host, apps):
    for app in apps:
        # The mounts of the app's process: the system and its own release are
        # read-only (even for root), its writable paths are not; no home directories.
        pid = int(host.check_output(f"pgrep -u {app['user']} -o"))
        for path in (app["code_dir"], app["venv_dir"], "/etc", "/usr", app["config_dir"]):
            assert _mount_options(host, pid, path) == "ro", path
        for path in app["writable_paths"]:
            assert _mount_options(host, pid, path) == "rw", path
        mounts = host.file(f"/proc/{pid}/mountinfo").content_string
        if app["runtime"] == "container":
            # Its own root file system (read-only, the host's homes not in it) and a private /tmp.
            assert host.check_output(f"ls -A /proc/{pid}/root/home") == "", "no home directory in the container"
            assert re.search(r" /tmp rw,\S* [^\n]*tmpfs", mounts), "a private /tmp"
            assert _mount_options(host, pid, "/") == "ro"
            continue
        assert re.search(r"/inaccessible/\S* /home ", mounts), "ProtectHome hides the home directories"
        assert re.search(r"/systemd-private-\S+ /tmp rw,", mounts), "a private /tmp"


def _scan(container_ip, app, ca_file):
    from sslyze import (
        Scanner,
        ScanCommand,
        ServerNetworkConfiguration,
        ServerNetworkLocation,
        ServerScanRequest,
        ServerScanStatusEnum,
    )

    scheme, port = app_endpoint(app)
    location = ServerNetworkLocation(hostname=app["server_names"][0], port=port, ip_address=container_ip)
    commands = {
        ScanCommand.SSL_2_0_CIPHER_SUITES,
        ScanCommand.SSL_3_0_CIPHER_SUITES,
        ScanCommand.TLS_1_0_CIPHER_SUITES,
        ScanCommand.TLS_1_1_CIPHER_SUITES,
        ScanCommand.TLS_1_2_CIPHER_SUITES,
        ScanCommand.TLS_1_3_CIPHER_SUITES,
        ScanCommand.CERTIFICATE_INFO,
    }
    from sslyze import CertificateInfoExtraArgument, ScanCommandsExtraArguments

    request = ServerScanRequest(
        server_location=location,
        network_configuration=ServerNetworkConfiguration(tls_server_name_indication=app["server_names"][0]),
        scan_commands=commands,
        scan_commands_extra_arguments=ScanCommandsExtraArguments(
            certificate_info=CertificateInfoExtraArgument(custom_ca_file=ca_file) if ca_file else None
        ),
    )
    scanner = Scanner()
    scanner.queue_scans([request])
    result = next(iter(scanner.get_results()))
    assert result.scan_status == ServerScanStatusEnum.COMPLETED, result.connectivity_error_trace
    return result.scan_result


def test_https_passes_the_tls_scanner(host, apps, container_ip, tmp_path, pairing):
    tls_apps = [app for app in apps if app["tls"]]
    assert tls_apps, "no application of this scenario has HTTPS"
    for app in tls_apps:
        served = host.file(app["tls_cert_path"]).content_string
        if app["tls_source"] == "file":
            # Given by the user: its chain must lead to the lab's CA.
            ca_file = pathlib.Path(app["tls_certificate_file"]).parent / "ca.crt"
        else:
            # Self-signed: there is no chain to check; the server must present the
            # certificate made for it (below).
            ca_file = None
        scan = _scan(container_ip, app, ca_file)
        for name in ("ssl_2_0_cipher_suites", "ssl_3_0_cipher_suites", "tls_1_0_cipher_suites", "tls_1_1_cipher_suites"):
            accepted = getattr(scan, name).result.accepted_cipher_suites
            assert not accepted, f"{app['name']}: {name} accepted: {[c.cipher_suite.name for c in accepted]}"
        tls12 = [c.cipher_suite.name for c in scan.tls_1_2_cipher_suites.result.accepted_cipher_suites]
        tls13 = [c.cipher_suite.name for c in scan.tls_1_3_cipher_suites.result.accepted_cipher_suites]
        assert tls12 and tls13, (tls12, tls13)
        weak = [name for name in tls12 if not AEAD_FS_CIPHER.match(name)]
        assert not weak, f"{app['name']}: weak TLS 1.2 cipher suites: {weak}"
        deployment = scan.certificate_info.result.certificate_deployments[0]
        from cryptography import x509

        leaf = deployment.received_certificate_chain[0]
        names = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(x509.DNSName)
        assert app["server_names"][0] in names, names
        if ca_file:
            trusted = [r for r in deployment.path_validation_results if r.trust_store.path == ca_file]
            assert trusted and trusted[0].was_validation_successful, [r.validation_error for r in trusted]
        else:
            assert leaf == x509.load_pem_x509_certificate(served.encode()), "not the certificate made for the app"
        _figure(
            f"tls {pairing[1]} {app['name']} ({app['tls_source']})",
            {
                "protocols": "TLS 1.2, TLS 1.3 (SSL 2/3, TLS 1.0/1.1 refused)",
                "tls_1_2": tls12,
                "tls_1_3": tls13,
                "certificate": "chain valid for the lab CA" if ca_file else "the self-signed one made for it",
            },
        )


def test_http_redirects_to_https_with_hsts_when_enabled(host, apps):
    for app in apps:
        if not app["tls_redirect"]:
            continue
        server_name = app["server_names"][0]
        response = fetch(host, app["url_prefix"] + "whoami?x=1", server_name, app["port"])
        assert response.status == 301
        port = "" if app["tls_port"] == 443 else f":{app['tls_port']}"
        assert response.headers["location"] == f"https://{server_name}{port}{app['url_prefix']}whoami?x=1"
        assert "strict-transport-security" not in response.headers, "HSTS over plain HTTP"
        secure = fetch_app(host, app, app["url_prefix"])
        if app["hsts_max_age"]:
            assert secure.headers.get("strict-transport-security") == f"max-age={app['hsts_max_age']}"
        else:
            assert "strict-transport-security" not in secure.headers
    # The defaults: HSTS with a certificate a browser can trust, none with a self-signed one.
    assert all(bool(a["hsts_max_age"]) == (a["tls_source"] in ("file", "pem", "acme")) for a in apps if a["tls"])


def test_security_headers_on_every_answer(host, apps):
    for app in apps:
        answers = {"page": fetch_app(host, app, app["url_prefix"])}
        if app["static_dir"]:
            answers["missing static file"] = fetch_app(host, app, app["static_url"] + "no-such-file.txt")
        for what, response in answers.items():
            for name, value in app["headers"].items():
                assert response.headers.get(name.lower()) == value, (app["name"], what, name, response.headers)
            assert "x-xss-protection" not in response.headers, (app["name"], what)
            server = response.headers.get("server", "")
            assert not re.search(r"\d", server), f"{what}: a version in Server: {server}"
            assert not re.search(r"(?i)(nginx|apache)/\d|\(debian\)|server at ", response.body), response.body


def test_no_directory_listing(host, apps):
    for app in apps:
        if app["static_dir"]:
            response = fetch_app(host, app, app["static_url"])
            assert response.status in (403, 404), response.status
            assert "Index of" not in response.body


def test_a_foreign_host_name_reaches_no_app(host, apps):
    for app in apps:
        scheme, port = app_endpoint(app)
        for scheme, port in {(scheme, port), ("http", app["port"])}:
            result = host.run(curl_command(app["url_prefix"] + "whoami", "foreign.example", port, scheme=scheme))
            if result.rc == 0:
                # Apache: its default virtual host answers 404 itself.
                assert re.match(r"HTTP/\S+ 404", result.stdout), result.stdout[:300]
                assert "x-served-by" not in result.stdout.lower()
            else:
                # Nginx: no answer (444), or over HTTPS a refused handshake.
                assert result.rc in (35, 52), (scheme, port, result.rc, result.stderr)


def test_secrets_are_not_readable_by_other_users(host, apps, web_group):
    for app in apps:
        for path in (app["secrets_file"], app["tls_key_path"] if app["tls"] else None):
            if path is None:
                continue
            assert host.file(path).exists, path
            for user in ("nobody", web_group):
                result = host.run(f"runuser -u {user} -- cat {path}")
                assert result.rc != 0 and "Permission denied" in result.stderr, (path, user)


def test_no_secret_in_the_converge_output_at_vvv_with_diff(raw_apps, apps):
    log = os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "ansible.log")
    text = open(log, encoding="utf-8", errors="replace").read()
    # The log holds converges at -vvv with --diff that wrote the secrets.
    assert "ESTABLISH DOCKER CONNECTION" in text, "the converge did not run at -vvv"
    assert "+++ after" in text, "the converge did not run with --diff"
    assert all(runs_that_wrote(text, app["secrets_file"]) for app in apps), "no logged run wrote the secrets"
    canaries = [str(v) for raw in raw_apps for v in raw.get("secret_env", {}).values()]
    # And every line of the settings files that are secret (all but those marked secret: false).
    canaries += [
        line for raw in raw_apps for f in raw.get("settings_files", []) if f.get("secret", True) and "content" in f
        for line in f["content"].splitlines() if line.strip()
    ]  # fmt: skip
    for app in apps:
        if app["tls_source"] == "file":
            key = open(app["tls_private_key_file"], encoding="utf-8").read()
            canaries.append(key.split("-----")[2].strip().splitlines()[0])
    assert canaries
    for canary in canaries:
        assert canary not in text, "a secret value reached Ansible's output"
