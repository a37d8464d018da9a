"""The monitoring host (playbooks/monitoring.yml) watching the application host
from its own container on the lab's network: Prometheus scrapes every exporter
the application host allows it, counts what a load sent, the alert rules pass
promtool's checks and their own unit tests, and an application that stops is
alerted through Alertmanager's webhook and resolved once it is back."""

import collections
import json
import math
import os
import pathlib
import re
import shlex
import subprocess
import sys
import time

import pytest
import testinfra
import yaml

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[3] / "tests" / "integration"))
from stacklib import REPO, Load, app_endpoint, apps, curl_command, hostvars, pairing, raw_apps  # noqa: E402,F401 (fixtures)

RECEIVER = "/root/flaskstack-alert-receiver.py"
ALERTS = "/root/flaskstack-alerts.jsonl"


@pytest.fixture(scope="module")
def monitor():
    (found,) = testinfra.get_hosts(["flaskstack_monitoring"], connection="ansible", ansible_inventory=os.environ["MOLECULE_INVENTORY_FILE"])
    return found


@pytest.fixture(scope="module")
def monitor_vars(monitor):
    return monitor.ansible.get_variables()


def prometheus(monitor, query, at=None):
    """The result of an instant query: [(labels, value)]."""
    args = f"--data-urlencode {shlex.quote('query=' + query)}" + (f" --data-urlencode time={at:.3f}" if at else "")
    answer = json.loads(monitor.check_output(f"curl -sS --fail --max-time 20 -G http://127.0.0.1:9090/api/v1/query {args}"))
    assert answer["status"] == "success", answer
    return [(item["metric"], float(item["value"][1])) for item in answer["data"]["result"]]


def wait_for(what, check, timeout, interval=2):
    """CHECK's first true answer within TIMEOUT seconds, with the seconds it took."""
    started = time.monotonic()
    while True:
        result = check()
        if result:
            return result, time.monotonic() - started
        assert time.monotonic() - started < timeout, f"{what}: not within {timeout} s"
        time.sleep(interval)


def test_prometheus_scrapes_every_exporter_and_probe_of_the_application_host(host, monitor, apps):
    name = host.backend.get_hostname()
    # Every target of the host answers: the allow-list lets the monitoring host in.
    up, _ = wait_for(
        "every target up",
        lambda: (lambda r: r if r and all(v == 1 for _, v in r) and len(r) == 3 + len(apps) else None)(prometheus(monitor, f'up{{host="{name}"}}')),
        60,
    )
    assert sorted({labels["job"] for labels, _ in up}) == ["flaskstack", "flaskstack_health", "nginx", "node"], up
    # Every application's health path answers from outside, with a certificate that is not about to expire.
    probes = {labels["app"]: value for labels, value in prometheus(monitor, 'probe_success{job="flaskstack_health"}')}
    assert probes == {app["name"]: 1 for app in apps}, probes
    expiry = prometheus(monitor, 'probe_ssl_earliest_cert_expiry{job="flaskstack_health"} - time()')
    assert len(expiry) == len(apps) and all(value > 14 * 86400 for _, value in expiry), expiry
    assert prometheus(monitor, f'flaskstack_app_up{{host="{name}"}} == 1') and prometheus(monitor, f'nginx_up{{host="{name}"}} == 1')
    # Prometheus, Alertmanager and the blackbox exporter listen on loopback only.
    listening = [line.split()[3] for line in monitor.check_output("ss -Htln").splitlines()]
    for port in (9090, 9093, 9115):
        assert [a for a in listening if a.endswith(f":{port}")] == [f"127.0.0.1:{port}"], listening
    assert not [a for a in listening if a.endswith(":9094")], "Alertmanager's cluster port is open"


def test_the_alert_rules_pass_promtool_and_their_unit_tests(monitor, monitor_vars, tmp_path):
    assert monitor.run("promtool check config /etc/prometheus/prometheus.yml").rc == 0
    checked = monitor.run("promtool check rules /etc/prometheus/flaskstack-alerts.yml")
    assert checked.rc == 0 and "SUCCESS: 7 rules found" in checked.stdout, checked.stdout + checked.stderr
    tests = tmp_path / "alerts-test.yml"
    tests.write_text(yaml.safe_dump(rule_tests(monitor_vars), sort_keys=False))
    subprocess.run(["docker", "cp", str(tests), f"{monitor.backend.get_hostname()}:/root/alerts-test.yml"], check=True, timeout=60)
    result = monitor.run("promtool test rules /root/alerts-test.yml")
    assert result.rc == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def _seconds(duration):
    """Seconds of a Prometheus duration such as 500ms, 30s, 2m or 1h30m."""
    return sum(int(n) * {"ms": 0.001, "s": 1, "m": 60, "h": 3600}[u] for n, u in re.findall(r"(\d+)(ms|s|m|h)", duration))


def _minutes(duration):
    """Whole minutes of a duration (rounded up)."""
    return math.ceil(_seconds(duration) / 60)


def rule_tests(hostvars):
    """promtool's unit tests of the alert rules, for the thresholds the monitoring host has."""

    def threshold(key, default):
        return hostvars.get(f"monitoring_alert_{key}", default)

    def after(key, default):
        # An evaluation time past the rule's "for", in whole minutes.
        return f"{_minutes(threshold(key, default)) + 2}m"

    h = {"host": "web1"}
    ratio, latency, days = threshold("error_ratio", 0.05), threshold("latency_p95_seconds", 1.0), threshold("certificate_days", 14)
    disk = threshold("disk_free_ratio", 0.1)
    # A 5xx share twice the threshold, and one a tenth of it.
    bad = int(round(ratio * 2 * 100))
    good = max(int(ratio * 100 / 10), 0)
    series = [
        {"series": 'up{job="node",host="web1",instance="web1:9100"}', "values": "0x40"},
        {"series": 'flaskstack_app_up{job="flaskstack",host="web1",instance="web1:9186",app="shop"}', "values": "1 0x40"},
        {"series": 'probe_success{job="flaskstack_health",host="web1",instance="https://shop.test/health",app="shop"}', "values": "0x40"},
        {"series": 'flaskstack_http_requests_total{job="flaskstack",host="web1",app="shop",method="GET",status="500"}', "values": f"0+{bad}x40"},
        {"series": 'flaskstack_http_requests_total{job="flaskstack",host="web1",app="shop",method="GET",status="200"}', "values": f"0+{100 - bad}x40"},
        {"series": 'flaskstack_http_requests_total{job="flaskstack",host="web1",app="blog",method="GET",status="500"}', "values": f"0+{good}x40"},
        {"series": 'flaskstack_http_requests_total{job="flaskstack",host="web1",app="blog",method="GET",status="200"}', "values": f"0+{100 - good}x40"},
    ]
    # Every request of shop between the threshold and twice it; every one of blog under a tenth of it.
    for app, seconds in (("shop", latency * 1.5), ("blog", latency / 10)):
        for le in (latency / 10, latency / 5, latency, latency * 2, "+Inf"):
            count = 10 if le == "+Inf" or le >= seconds else 0
            series.append({"series": f'flaskstack_http_request_duration_seconds_bucket{{job="flaskstack",host="web1",app="{app}",le="{le}"}}',
                           "values": f"0+{count}x40"})  # fmt: skip
    # Certificates: one expiring within the threshold, one long after (seconds since the epoch the test starts at).
    series += [
        {"series": 'probe_ssl_earliest_cert_expiry{job="flaskstack_health",host="web1",instance="https://shop.test/health",app="shop"}',
         "values": f"{(days - 1) * 86400}x40"},
        {"series": 'probe_ssl_earliest_cert_expiry{job="flaskstack_health",host="web1",instance="https://blog.test/health",app="blog"}',
         "values": f"{(days + 30) * 86400}x40"},
    ]  # fmt: skip
    fs = 'job="node",host="web1",instance="web1:9100",device="/dev/vda1",fstype="ext4"'
    series += [
        {"series": f'node_filesystem_avail_bytes{{{fs},mountpoint="/"}}', "values": f"{int(disk * 50)}x40"},
        {"series": f'node_filesystem_size_bytes{{{fs},mountpoint="/"}}', "values": "100x40"},
        {"series": f'node_filesystem_readonly{{{fs},mountpoint="/"}}', "values": "0x40"},
        {"series": f'node_filesystem_avail_bytes{{{fs},mountpoint="/srv"}}', "values": "90x40"},
        {"series": f'node_filesystem_size_bytes{{{fs},mountpoint="/srv"}}', "values": "100x40"},
        {"series": f'node_filesystem_readonly{{{fs},mountpoint="/srv"}}', "values": "0x40"},
    ]

    def fired(name, at, labels):
        return {"eval_time": at, "alertname": name, "exp_alerts": [{"exp_labels": labels} for labels in labels]}

    cases = [
        fired("FlaskstackTargetDown", after("target_down_for", "2m"), [dict(h, job="node", instance="web1:9100", severity="critical")]),
        fired("FlaskstackApplicationDown", after("app_down_for", "1m"), [dict(h, job="flaskstack", instance="web1:9186", app="shop", severity="critical")]),
        fired("FlaskstackHealthCheckFailing", after("health_failing_for", "2m"),
              [dict(h, job="flaskstack_health", instance="https://shop.test/health", app="shop", severity="critical")]),
        # Not yet: the rule's "for" has not passed.
        {"eval_time": "0m", "alertname": "FlaskstackHealthCheckFailing", "exp_alerts": []},
        fired("FlaskstackHighErrorRatio", after("error_ratio_for", "5m"), [dict(h, app="shop", severity="warning")]),
        fired("FlaskstackSlowRequests", after("latency_for", "10m"), [dict(h, app="shop", severity="warning")]),
        fired("FlaskstackCertificateExpiresSoon", "1m",
              [dict(h, job="flaskstack_health", instance="https://shop.test/health", app="shop", severity="warning")]),
        fired("FlaskstackDiskFull", after("disk_full_for", "5m"),
              [dict(h, job="node", instance="web1:9100", device="/dev/vda1", fstype="ext4", mountpoint="/", severity="critical")]),
    ]  # fmt: skip
    # promtool compares annotations too: those the rules write, with the values of these series.
    summaries = annotations(bad / 100, latency * 1.95, (days - 1) * 86400 - 60, int(disk * 50) / 100)
    for case in cases:
        for alert in case["exp_alerts"]:
            alert["exp_annotations"] = {"summary": summaries[case["alertname"]]}
    return {"rule_files": ["/etc/prometheus/flaskstack-alerts.yml"], "evaluation_interval": "1m",
            "tests": [{"interval": "1m", "input_series": series, "alert_rule_test": cases}]}  # fmt: skip


def _humanize_duration(seconds):
    """Prometheus's humanizeDuration (its template function), for the values of these tests."""
    if seconds >= 60:
        whole = int(seconds)
        days, hours, minutes, rest = whole // 86400, whole // 3600 % 24, whole // 60 % 60, whole % 60
        if days:
            return f"{days}d {hours}h {minutes}m {rest}s"
        return f"{hours}h {minutes}m {rest}s" if hours else f"{minutes}m {rest}s"
    return f"{seconds:.4g}s" if seconds >= 1 else f"{seconds * 1000:.4g}ms"


def annotations(error_ratio, p95, expires_in, free):
    """The summary each alert of the unit tests carries, with the values of their series."""
    return {
        "FlaskstackTargetDown": "node exporter of web1 does not answer",
        "FlaskstackApplicationDown": "shop on web1 does not answer its metrics through the web server",
        "FlaskstackHealthCheckFailing": "shop: its health path https://shop.test/health fails from outside",
        "FlaskstackHighErrorRatio": f"shop on web1: {error_ratio * 100:.4g}% of its answers are 5xx",
        "FlaskstackSlowRequests": f"shop on web1: 95 % of its requests take up to {_humanize_duration(p95)}",
        "FlaskstackCertificateExpiresSoon": f"shop: the certificate of https://shop.test/health expires in {_humanize_duration(expires_in)}",
        "FlaskstackDiskFull": f"web1: / has {free * 100:.4g}% free",
    }


def test_prometheus_counts_what_a_load_sent(host, monitor, monitor_vars, apps):
    """Within 2 % per status code: Prometheus's count of an application's
    requests over a bounded load, against what the load generator saw answered
    and the health probes of the monitoring host's blackbox exporter (one per
    scrape interval, each answered 200; Prometheus counts them too)."""
    interval = _seconds(monitor_vars.get("monitoring_scrape_interval", "15s"))
    name = host.backend.get_hostname()
    figures = {}
    for app in [a for a in apps if a["runtime"] != "container"][:2] + [a for a in apps if a["runtime"] == "container"][:1]:
        query = f'sum by (status) (flaskstack_http_requests_total{{host="{name}",app="{app["name"]}"}})'
        started = time.time()
        # Pages, health checks and slow requests (200), and missing pages (404) beside them.
        missing = curl_command(app["url_prefix"] + "no-such-page", app["server_names"][0], app_endpoint(app)[1], scheme=app_endpoint(app)[0])
        missing = missing.replace(" -i ", " -o /dev/null -w '%{http_code}\\n' ")
        with Load(host, [app], finish_slow=True) as load:
            not_found = host.check_output(f"for i in $(seq 40); do {missing}; sleep 0.2; done").split()
            time.sleep(5)
        ended = time.time()
        # Two scrapes after the last request, and its ingestion.
        time.sleep(2 * interval + 1)
        until = ended + 2 * interval
        before = {labels["status"]: value for labels, value in prometheus(monitor, query, at=started)}
        after = {labels["status"]: value for labels, value in prometheus(monitor, query, at=until)}
        window = math.ceil(until - started)
        probed = f'count_over_time(probe_success{{job="flaskstack_health",host="{name}",app="{app["name"]}"}}[{window}s])'
        probes = int(sum(value for _, value in prometheus(monitor, probed, at=until)))
        seen = load.results[app["name"]]
        sent = collections.Counter(str(r[1]) for r in seen["fast"] + seen["health"]) + collections.Counter(str(r[2]) for r in seen["slow"])
        assert set(not_found) == {"404"}, not_found
        sent += collections.Counter(not_found)
        counted = {status: after.get(status, 0) - before.get(status, 0) for status in set(after) | set(before)}
        counted = {status: n for status, n in counted.items() if n}
        figures[app["name"]] = {"sent": dict(sent), "probes": probes, "prometheus": counted}
        assert sent and "None" not in sent, load.summary()
        assert probes > 0, f"no probe of {app['name']} in {window} s"
        for status, n in (sent + collections.Counter({"200": probes})).items():
            assert abs(counted.get(status, 0) - n) <= 0.02 * n, (app["name"], status, figures[app["name"]])
    print("load vs Prometheus:", json.dumps(figures))
    (REPO / ".cache").mkdir(exist_ok=True)
    (REPO / ".cache" / f"monitoring-counts-{os.environ.get('MOLECULE_DISTRO', 'bookworm')}.json").write_text(json.dumps(figures, indent=1))


def _alerts(monitor):
    out = monitor.run(f"cat {ALERTS} 2>/dev/null || true").stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def test_an_application_that_stops_is_alerted_within_two_minutes_and_resolved_once_back(host, monitor, apps):
    app = next(a for a in apps if a["runtime"] != "container" and a["app_units"])
    name = host.backend.get_hostname()
    subprocess.run(["docker", "cp", str(REPO / "tests" / "integration" / "alert_receiver.py"), f"{monitor.backend.get_hostname()}:{RECEIVER}"],
                   check=True, timeout=60)  # fmt: skip
    monitor.run(f"rm -f {ALERTS}")
    subprocess.run(["docker", "exec", "-d", monitor.backend.get_hostname(), "python3", RECEIVER, "--out", ALERTS, "--duration", "600"],
                   check=True, timeout=60)  # fmt: skip

    def seen(status):
        return [a for a in _alerts(monitor) if a["status"] == status and a["labels"].get("alertname") == "FlaskstackApplicationDown"
                and a["labels"].get("app") == app["name"] and a["labels"].get("host") == name]  # fmt: skip

    units = " ".join(reversed(app["app_units"]))
    assert host.run(f"systemctl stop {units}").rc == 0
    try:
        stopped = time.time()
        firing, took = wait_for("the alert", lambda: seen("firing"), 120)
        print(f"{app['name']} stopped: FlaskstackApplicationDown received after {took:.0f} s")
        assert firing[0]["received"] - stopped < 120
    finally:
        assert host.run(f"systemctl start {' '.join(app['app_units'])}").rc == 0
    resolved, took = wait_for("the alert resolved", lambda: seen("resolved"), 120)
    print(f"{app['name']} started again: resolved after {took:.0f} s")
