"""Unit tests for the health gate script, against a real HTTP server on loopback."""

import datetime
import http.server
import importlib.util
import pathlib
import ssl
import threading

import pytest

_SPEC = importlib.util.spec_from_file_location(
    "flaskstack_health_gate", pathlib.Path(__file__).resolve().parents[2] / "roles" / "app" / "files" / "health_gate.py"
)
health_gate = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(health_gate)


@pytest.fixture
def server():
    """A server whose answers follow a script: a list of (status, release), the last one repeated."""
    answers = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (the standard library's name)
            status, release = answers.pop(0) if len(answers) > 1 else answers[0]
            self.send_response(status)
            if release:
                self.send_header("X-Flaskstack-Release", release)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/health", answers
    httpd.shutdown()


@pytest.fixture
def tls_server(server, tmp_path):
    """The same server behind TLS with a self-signed certificate; records the SNI names it is asked for."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "demo.test")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    (tmp_path / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "key.pem").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    url, answers = server
    plain_port = int(url.split(":")[2].split("/")[0])
    names = []
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    context.sni_callback = lambda sock, server_name, ctx: names.append(server_name)

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (the standard library's name)
            import http.client

            upstream = http.client.HTTPConnection("127.0.0.1", plain_port, timeout=5)
            upstream.request("GET", self.path)
            reply = upstream.getresponse()
            reply.read()
            self.send_response(reply.status)
            if reply.getheader("X-Flaskstack-Release"):
                self.send_header("X-Flaskstack-Release", reply.getheader("X-Flaskstack-Release"))
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{httpd.server_address[1]}/health", answers, names
    httpd.shutdown()


def test_https_sends_the_application_name_in_sni(tls_server):
    url, answers, names = tls_server
    answers.append((200, "new"))
    passed, report = health_gate.gate(url, "demo.test", "new", timeout=5, settle=0.2, pause=0.05)
    assert passed, report
    assert names and set(names) == {"demo.test"}


def test_passes_once_the_new_release_answers_for_the_settle_time(server):
    url, answers = server
    answers.extend([(200, "old"), (502, None), (200, "new")])
    passed, report = health_gate.gate(url, "demo.test", "new", timeout=5, settle=0.3, pause=0.05)
    assert passed, report
    assert report["last_release"] == "new"
    assert report["healthy_answers"] >= 2


def test_an_old_answer_starts_the_count_again(server):
    url, answers = server
    answers.extend([(200, "new"), (200, "new"), (200, "old")] * 50)
    passed, report = health_gate.gate(url, "demo.test", "new", timeout=1, settle=0.5, pause=0.01)
    assert not passed, report


def test_fails_when_the_new_release_is_unhealthy(server):
    url, answers = server
    answers.append((503, "new"))
    passed, report = health_gate.gate(url, "demo.test", "new", timeout=0.5, settle=0.1, pause=0.05)
    assert not passed
    assert report["last_status"] == 503


def test_a_refused_connection_is_an_unhealthy_answer():
    passed, report = health_gate.gate("http://127.0.0.1:9/health", "x", "new", timeout=0.3, settle=0.1, pause=0.05)
    assert not passed
    assert "ConnectionRefusedError" in report["last_error"]


def test_command_line_exit_status(server, capsys):
    url, answers = server
    answers.append((200, "new"))
    assert health_gate.main(["--url", url, "--host", "h", "--release", "new", "--settle", "0.1", "--pause", "0.02"]) == 0
    assert '"passed": true' in capsys.readouterr().out


def test_several_applications_are_asked_side_by_side(server, capsys):
    url, answers = server
    answers.append((200, "new"))
    spec = [{"name": "demo", "url": url, "host": "demo.test", "release": "new"}, {"name": "blog", "url": url, "host": "blog.test", "release": "old"}]
    import json

    assert health_gate.main(["--spec", json.dumps(spec), "--timeout", "0.5", "--settle", "0.1", "--pause", "0.02"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["passed"] is False
    assert [(a["name"], a["passed"]) for a in report["apps"]] == [("demo", True), ("blog", False)]


def test_a_release_that_answers_unhealthy_is_given_up_at_once(server):
    url, answers = server
    answers.append((503, "new"))
    passed, report = health_gate.gate(url, "demo.test", "new", timeout=30, settle=1, pause=0.02, fail_after=3)
    assert not passed and report["failed_fast"] and report["requests"] == 3 and report["unhealthy_in_a_row"] == 3
    assert report["seconds"] < 5


def test_old_answers_and_refusals_do_not_count_as_the_new_release_failing(server):
    url, answers = server
    answers.extend([(503, "old")] * 5 + [(502, None)] * 5 + [(200, "new")])
    passed, report = health_gate.gate(url, "demo.test", "new", timeout=10, settle=0.2, pause=0.01, fail_after=3)
    assert passed, report
