"""Unit tests for the health gate script, against a real HTTP server on loopback."""

import http.server
import importlib.util
import pathlib
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
