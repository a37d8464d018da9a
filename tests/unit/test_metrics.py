"""Unit tests for the request metrics of the WSGI entry point (roles/app/files/flaskstack_metrics.py),
the host's exporter (roles/app/files/metrics_exporter.py), its settings and Debian's exporters' (module_utils/metrics.py)."""

import importlib.util
import json
import pathlib
import re
import shutil
import subprocess
import sys
import textwrap

import pytest
from ansible_collections.flaskstack.deploy.plugins.module_utils import metrics

FILES = pathlib.Path(__file__).resolve().parents[2] / "roles" / "app" / "files"


def _load(name, filename):
    spec = importlib.util.spec_from_file_location(name, FILES / filename)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# The exporter imports its neighbours (health_gate, flaskstack_metrics) as the host has them.
sys.path.insert(0, str(FILES))
flaskstack_metrics = _load("flaskstack_metrics", "flaskstack_metrics.py")
exporter = _load("flaskstack_metrics_exporter", "metrics_exporter.py")

# An application behind the instrumented entry point, in a process of its own
# (the Prometheus client reads its directory once, at its import): two worker
# processes forked from it answer requests, as an app server's would, and the
# metrics are asked for in a third.
APP = textwrap.dedent(
    """
    import io, json, os, sys
    sys.path.insert(0, sys.argv[1])
    import flaskstack_metrics
    directory = flaskstack_metrics.prepare(sys.argv[2])

    def application(environ, start_response):
        if environ["PATH_INFO"] == "/boom":
            raise RuntimeError("boom")
        status = "404 NOT FOUND" if environ["PATH_INFO"] == "/missing" else "200 OK"
        start_response(status, [("Content-Type", "text/plain")])
        return [b"page " + environ["PATH_INFO"].encode()]

    app = flaskstack_metrics.instrument(application, "shop", "/_flaskstack/metrics", sys.argv[3], {"release": "abc123"})

    def request(path, method="GET", **extra):
        seen = {}
        environ = dict({"PATH_INFO": path, "REQUEST_METHOD": method, "wsgi.input": io.BytesIO()}, **extra)
        try:
            result = app(environ, lambda status, headers, exc_info=None: seen.update(status=status))
        except RuntimeError:
            return "500 (raised)", b""
        body = b"".join(result)
        if hasattr(result, "close"):
            result.close()
        return seen["status"], body

    def worker(requests):
        pid = os.fork()
        if pid == 0:
            for args in requests:
                request(*args)
            os._exit(0)
        os.waitpid(pid, 0)

    worker([("/",), ("/",), ("/missing",), ("/", "POST")])
    worker([("/",), ("/boom",), ("/", "BREW"), ("/_flaskstack/metrics",)])
    token = flaskstack_metrics.read_token(sys.argv[3])
    probe = request("/", "GET", **{"flaskstack.probe": True})
    wrong = request("/_flaskstack/metrics", "GET", HTTP_X_FLASKSTACK_METRICS_TOKEN="not-it")
    status, body = request("/_flaskstack/metrics", "GET", HTTP_X_FLASKSTACK_METRICS_TOKEN=token)
    print(json.dumps({"status": status, "metrics": body.decode(), "wrong": [wrong[0], wrong[1].decode()], "probe": probe[0]}))
    """
)


def _run_app(tmp_path, token="0123abcd" * 8):
    (tmp_path / "metrics.token").write_text(f"# the token\n{token}\n")
    out = subprocess.run(
        [sys.executable, "-c", APP, str(FILES), str(tmp_path / "metrics"), str(tmp_path / "metrics.token")],
        check=False, capture_output=True, text=True,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def _samples(text):
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            out[name] = float(value)
    return out


def test_requests_of_every_worker_are_counted_by_method_and_status(tmp_path):
    seen = _run_app(tmp_path)
    assert seen["status"].startswith("200")
    samples = _samples(seen["metrics"])
    total = {k: v for k, v in samples.items() if k.startswith("flaskstack_http_requests_total")}
    assert total == {
        'flaskstack_http_requests_total{app="shop",method="GET",status="200"}': 5.0,
        'flaskstack_http_requests_total{app="shop",method="GET",status="404"}': 1.0,
        'flaskstack_http_requests_total{app="shop",method="GET",status="500"}': 1.0,
        'flaskstack_http_requests_total{app="shop",method="POST",status="200"}': 1.0,
        'flaskstack_http_requests_total{app="shop",method="other",status="200"}': 1.0,
    }
    # The requests for the metrics' path without the token, or with another, reached the application (200s above).
    assert samples['flaskstack_http_request_duration_seconds_count{app="shop"}'] == 9.0
    assert samples['flaskstack_http_request_duration_seconds_bucket{app="shop",le="+Inf"}'] == 9.0
    # Both workers ended: nothing in progress; the release's check (the probe) and the metrics' own request are not counted.
    assert samples['flaskstack_http_requests_in_progress{app="shop"}'] == 0.0
    assert samples['flaskstack_app_info{app="shop",release="abc123"}'] == 1.0
    assert samples['flaskstack_app_workers{app="shop"}'] >= 1
    assert seen["wrong"] == ["200 OK", "page /_flaskstack/metrics"]
    assert seen["probe"] == "200 OK"


def test_without_a_token_the_application_is_served_uncounted(tmp_path):
    seen = _run_app(tmp_path, token="")
    assert seen["status"] == "200 OK" and seen["metrics"] == "page /_flaskstack/metrics"


def test_workers_are_the_siblings_with_the_same_user_and_command_line():
    procs = {
        10: (1, 1000, b"gunicorn"),  # this worker
        11: (1, 1000, b"gunicorn"),
        12: (1, 1000, b"gunicorn"),
        13: (1, 33, b"gunicorn"),  # another user
        14: (1, 1000, b"apache2 -f x"),  # another program
        15: (10, 1000, b"gunicorn"),  # a child
        1: (0, 1000, b"gunicorn"),  # the master
    }

    def stat(pid):
        if pid not in procs:
            raise FileNotFoundError(pid)
        return procs[pid]

    assert flaskstack_metrics.count_workers(10, ["1", "10", "11", "12", "13", "14", "15", "16", "self"], stat) == 3


def test_siblings_whose_command_lines_differ_in_numbers_only_are_workers_alike():
    # As uWSGI names its workers ("blog uWSGI worker 1", "... 2"): three children of
    # this process, two of them alike but for a number, read from /proc.
    children = [subprocess.Popen(argv) for argv in (["sleep", "1001"], ["sleep", "1002"], ["sleep", "1003.5"])]
    try:
        assert flaskstack_metrics.count_workers(children[0].pid) == 2
    finally:
        for child in children:
            child.kill()
            child.wait()


def test_live_gauges_of_ended_processes_are_found(tmp_path):
    for name in ("gauge_livesum_101.db", "gauge_livesum_102.db", "counter_103.db", "histogram_104.db"):
        (tmp_path / name).write_bytes(b"")
    assert flaskstack_metrics._ended_processes(str(tmp_path), alive=lambda pid: pid == 101) == {102}


APP_A = """# HELP flaskstack_http_requests_total HTTP requests.
# TYPE flaskstack_http_requests_total counter
flaskstack_http_requests_total{app="a",method="GET",status="200"} 3.0
# HELP flaskstack_app_workers Workers.
# TYPE flaskstack_app_workers gauge
flaskstack_app_workers{app="a"} 3.0
"""
APP_B = APP_A.replace('app="a"', 'app="b"').replace("3.0", "5.0")


def test_merge_keeps_each_family_once_with_every_application_s_samples():
    merged = exporter.merge([APP_A, APP_B])
    assert merged.count("# TYPE flaskstack_http_requests_total counter") == 1
    lines = merged.splitlines()
    start = lines.index("# TYPE flaskstack_http_requests_total counter")
    assert lines[start + 1 : start + 3] == [
        'flaskstack_http_requests_total{app="a",method="GET",status="200"} 3.0',
        'flaskstack_http_requests_total{app="b",method="GET",status="200"} 5.0',
    ]
    assert lines[-2:] == ['flaskstack_app_workers{app="a"} 3.0', 'flaskstack_app_workers{app="b"} 5.0']


def test_scrape_reports_which_applications_answered(tmp_path):
    (tmp_path / "a.token").write_text("# comment\ntoken-a\n")
    asked = []

    def fetch(url, host, timeout, headers):
        asked.append((url, host, headers["X-Flaskstack-Metrics-Token"]))
        if "a.test" in host:
            return 200, {}, APP_A.encode(), None
        # An application without metrics answers with its own page (here: a 404).
        return 404, {}, b"<html>not found</html>", None

    apps = [
        {"name": "a", "url": "https://127.0.0.1:443/_flaskstack/metrics", "host": "a.test", "token_file": str(tmp_path / "a.token")},
        {"name": "b", "url": "http://127.0.0.1:80/b/_flaskstack/metrics", "host": "b.test", "token_file": str(tmp_path / "none")},
    ]
    samples = _samples(exporter.scrape(apps, fetch=fetch))
    assert sorted(asked) == [
        ("http://127.0.0.1:80/b/_flaskstack/metrics", "b.test", ""),
        ("https://127.0.0.1:443/_flaskstack/metrics", "a.test", "token-a"),
    ]
    assert samples['flaskstack_app_up{app="a"}'] == 1 and samples['flaskstack_app_up{app="b"}'] == 0
    assert samples['flaskstack_http_requests_total{app="a",method="GET",status="200"}'] == 3.0


def test_exporter_settings_from_the_layouts():
    apps = [{"name": "shop", "metrics_url": "https://127.0.0.1:443/_flaskstack/metrics", "health_host": "shop.test",
             "metrics_token_file": "/etc/flaskstack/shop/metrics.token"}]  # fmt: skip
    assert metrics.exporter_settings(apps, 9186) == {
        "listen": "127.0.0.1", "port": 9186, "timeout": 5, "allow": [], "guarded": False, "guard_table": "flaskstack_metrics",
        "apps": [{"name": "shop", "url": "https://127.0.0.1:443/_flaskstack/metrics", "host": "shop.test", "token_file": "/etc/flaskstack/shop/metrics.token"}],
    }  # fmt: skip
    assert metrics.exporter_settings([], "9100", "::1")["guarded"] is False


@pytest.mark.parametrize(
    ("port", "listen", "allow", "variable"),
    [
        (0, "127.0.0.1", [], "app_metrics_port"),
        (70000, "127.0.0.1", [], "app_metrics_port"),
        ("http", "127.0.0.1", [], "app_metrics_port"),
        (True, "127.0.0.1", [], "app_metrics_port"),
        (None, "127.0.0.1", [], "app_metrics_port"),
        (9186, "monitoring.example.org", [], "app_metrics_listen"),
        # Not loopback, and no list of sources: open to every network the host is on.
        (9186, "0.0.0.0", [], "app_metrics_listen"),
        (9186, "192.0.2.5", [], "app_metrics_listen"),
        (9186, "192.0.2.5", ["192.0.2.300"], "app_metrics_allow"),
        (9186, "192.0.2.5", "192.0.2.10", "app_metrics_allow"),
    ],
)
def test_bad_exporter_settings_name_the_variable(port, listen, allow, variable):
    with pytest.raises(metrics.MetricsError, match=variable):
        metrics.exporter_settings([], port, listen, allow)


def test_guard_rules_let_the_host_and_the_listed_sources_in_only():
    settings = metrics.exporter_settings([], 9186, "0.0.0.0", ["192.0.2.10", "10.1.0.0/16", "2001:db8::/64"])
    assert settings["guarded"] and settings["allow"] == ["192.0.2.10/32", "10.1.0.0/16", "2001:db8::/64"]
    rules = metrics.guard_rules(settings)
    assert rules.splitlines()[:3] == ["table inet flaskstack_metrics", "delete table inet flaskstack_metrics", "table inet flaskstack_metrics {"]
    body = [line.strip() for line in rules.splitlines()[3:]]
    assert body[body.index('iifname "lo" tcp dport 9186 accept') :] == [
        'iifname "lo" tcp dport 9186 accept',
        "ip saddr { 192.0.2.10/32, 10.1.0.0/16 } tcp dport 9186 accept",
        "ip6 saddr { 2001:db8::/64 } tcp dport 9186 accept",
        "tcp dport 9186 reject with tcp reset",
        "}",
        "}",
    ]


@pytest.mark.skipif(not shutil.which("nft"), reason="nftables is not installed on this machine")
def test_guard_rules_pass_nft_s_own_check(tmp_path):
    rules = tmp_path / "metrics.nft"
    rules.write_text(metrics.guard_rules(metrics.exporter_settings([], 9186, "::", ["192.0.2.10", "2001:db8::1"])))
    result = subprocess.run(["nft", "--check", "--file", str(rules)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


def test_debian_exporters_listen_where_they_are_told_with_the_flags_of_their_version():
    node = metrics.debian_exporter("node", 9100)
    assert node["package"] == "prometheus-node-exporter" and node["unit"] == "prometheus-node-exporter.service"
    assert node["command"] == ["/usr/bin/prometheus-node-exporter", "--web.listen-address=127.0.0.1:9100"]
    assert not node["guarded"] and node["guard_table"] == "flaskstack_node_exporter"
    nginx = metrics.debian_exporter("nginx", 9113, "::", ["2001:db8::2"], version="0.11.0-1+b4", scrape_uri="http://127.0.0.1:8090/stub_status")
    assert nginx["command"][1:] == ["--web.listen-address=[::]:9113", "--nginx.scrape-uri=http://127.0.0.1:8090/stub_status"]
    assert nginx["guarded"] and nginx["allow"] == ["2001:db8::2/128"]
    uri = "http://127.0.0.1:8091/server-status?auto"
    # Debian 12's Apache exporter (0.12) names its address --telemetry.address; Debian 13's (1.0) --web.listen-address.
    assert metrics.debian_exporter("apache", 9117, version="0.12.0-1+b4", scrape_uri=uri)["command"][1:] == [
        "--telemetry.address=127.0.0.1:9117", f"--scrape_uri={uri}"]  # fmt: skip
    for version in ("1.0.9-1+b7", "1:1.0.9-1", None):
        assert metrics.debian_exporter("apache", 9117, version=version, scrape_uri=uri)["command"][1] == "--web.listen-address=127.0.0.1:9117"
    # Each exporter has a firewall table of its own, which guard_rules writes.
    rules = metrics.guard_rules(metrics.debian_exporter("apache", 9117, "0.0.0.0", ["192.0.2.10"], scrape_uri=uri))
    assert rules.splitlines()[0] == "table inet flaskstack_apache_exporter" and "tcp dport 9117 reject with tcp reset" in rules


@pytest.mark.parametrize(
    ("name", "port", "listen", "allow", "scrape_uri", "variable"),
    [
        ("postgres", 9187, "127.0.0.1", [], None, "no exporter named 'postgres'"),
        ("node", 0, "127.0.0.1", [], None, "exporters_node_port"),
        ("nginx", "x", "127.0.0.1", [], "http://127.0.0.1:8090/stub_status", "exporters_nginx_port"),
        ("node", 9100, "0.0.0.0", [], None, "exporters_listen: 0.0.0.0 is not a loopback address, and exporters_allow"),
        ("node", 9100, "10.0.0.5", ["monitoring"], None, "exporters_allow"),
        ("nginx", 9113, "127.0.0.1", [], None, "status page"),
    ],
)
def test_bad_debian_exporter_settings_say_what_is_wrong(name, port, listen, allow, scrape_uri, variable):
    with pytest.raises(metrics.MetricsError, match=re.escape(variable)):
        metrics.debian_exporter(name, port, listen, allow, scrape_uri=scrape_uri)
