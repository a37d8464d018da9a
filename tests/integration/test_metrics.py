"""The metrics on the converged host: every application's requests, counted
under the same names whatever its app server and runtime, answered merged by
the host's exporter; the host's and its web server's from Debian's exporters;
every exporter on loopback or to the sources listed only; the metrics' path
through the web server gives nothing to a client without the application's
token, and no application answers for the web server's status page."""

import json
import re
import shlex
import socket

import pytest

from stacklib import REPO, app_endpoint, curl_command, fetch_app, live_container, service_pids

EXPORTER = "http://127.0.0.1:9186/metrics"
# Debian's exporters (the exporters role's and the web server roles' default ports).
NODE_EXPORTER = 9100
WEB_EXPORTERS = {"nginx": 9113, "apache": 9117}
STATUS_PAGES = {"nginx": "http://127.0.0.1:8090/stub_status", "apache": "http://127.0.0.1:8091/server-status?auto"}
SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$")
LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


def scrape(host, url=EXPORTER):
    """An exporter's samples: {(name, frozenset of label pairs): value}."""
    text = host.check_output(f"curl -sS --fail --max-time 20 {url}")
    samples = {}
    for line in text.splitlines():
        match = SAMPLE.match(line)
        if match and not line.startswith("#"):
            samples[(match.group(1), frozenset(LABEL.findall(match.group(2) or "")))] = float(match.group(3))
    return samples


def value(samples, name, **labels):
    return samples.get((name, frozenset(labels.items())), 0.0)


def send(host, app, path, count):
    """COUNT requests of PATH to the application through the web server, one
    after the other in one shell on the host; the status codes it answered."""
    command = curl_command(app["url_prefix"].rstrip("/") + path, app["server_names"][0], app_endpoint(app)[1], scheme=app_endpoint(app)[0])
    command = command.replace(" -i ", " -o /dev/null -w '%{http_code}\\n' ")
    out = host.check_output(f"for i in $(seq {count}); do {command}; done")
    return out.split()


def test_every_application_s_requests_are_counted_under_the_same_names(host, apps):
    before = scrape(host)
    sent = {}
    for app in apps:
        missing = send(host, app, "/no-such-page-for-the-metrics", 20)
        pages = send(host, app, "/", 10)
        assert set(missing) == {"404"} and set(pages) == {"200"}, (app["name"], missing, pages)
        sent[app["name"]] = (missing, pages)
    after = scrape(host)
    for app in apps:
        name = app["name"]
        assert value(after, "flaskstack_app_up", app=name) == 1, f"{name}: the exporter got no metrics from it"
        counted = {
            status: value(after, "flaskstack_http_requests_total", app=name, method="GET", status=status)
            - value(before, "flaskstack_http_requests_total", app=name, method="GET", status=status)
            for status in ("404", "200")
        }
        # Nothing else asks for a missing page: exactly what was sent. The
        # pages' count may hold a health check besides.
        assert counted["404"] == 20, (name, counted)
        assert counted["200"] >= 10, (name, counted)
        durations = value(after, "flaskstack_http_request_duration_seconds_count", app=name) - value(
            before, "flaskstack_http_request_duration_seconds_count", app=name
        )
        assert durations >= 30, (name, durations)
        # Every request took under 10 s: the +Inf bucket and the 10 s one agree.
        assert value(after, "flaskstack_http_request_duration_seconds_bucket", app=name, le="10.0") == value(
            after, "flaskstack_http_request_duration_seconds_bucket", app=name, le="+Inf"
        )
        assert value(after, "flaskstack_http_requests_in_progress", app=name) >= 0
        live = host.file(app["current_link"]).linked_to.rsplit("/", 1)[-1]
        info = [labels for (metric, labels), v in after.items() if metric == "flaskstack_app_info" and ("app", name) in labels]
        assert info == [frozenset({("app", name), ("release", live), ("app_server", app["app_server"]), ("runtime", app["runtime"])})], info


def test_the_worker_count_is_the_app_server_s(host, apps):
    samples = scrape(host)
    for app in apps:
        workers = value(samples, "flaskstack_app_workers", app=app["name"])
        if app["runtime"] == "container":
            # The processes of the app server in the container: its master and the workers.
            processes = host.check_output(f"docker top {live_container(host, app)} -eo pid").split()[1:]
            assert workers == len(processes) - 1, (app["name"], workers, processes)
        elif app["app_server"] == "mod_wsgi":
            # mod_wsgi's daemon processes carry the group's name (display-name, cut to
            # the length of Apache's own argv[0]); its other children do not.
            assert workers == int(host.check_output(f"pgrep -c -u {app['user']} -f {shlex.quote('^[(]wsgi:')} || true")), app["name"]
        else:
            assert workers == len(service_pids(host, app["service_unit"])) - 1, app["name"]


def test_the_metrics_are_not_given_through_the_web_server_without_the_token(host, apps):
    for app in apps:
        path = app["url_prefix"].rstrip("/") + app["metrics_path"]
        for headers in ({}, {"X-Flaskstack-Metrics-Token": "0" * 64}):
            response = fetch_app(host, app, path, headers=headers)
            assert "flaskstack_http_requests_total" not in response.body, (app["name"], headers)
            assert response.status == 404, (app["name"], response.status)


def test_every_metric_the_dashboard_queries_is_scraped(host, apps):
    dashboard = json.loads((REPO / "dashboards" / "flaskstack-applications.json").read_text())
    queries = [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]
    queries += [variable["definition"] for variable in dashboard["templating"]["list"] if variable["type"] == "query"]
    wanted = {name for query in queries for name in re.findall(r"\bflaskstack_[a-z_]+", query)}
    assert len(wanted) >= 7, wanted
    for app in apps:
        send(host, app, "/", 2)
    scraped = scrape(host)
    names = {name for name, _ in scraped}
    assert wanted <= names, wanted - names
    # Every application is in every one of them.
    for name in wanted:
        assert {dict(labels).get("app") for metric, labels in scraped if metric == name} >= {app["name"] for app in apps}, name


def test_the_host_and_its_web_server_are_measured(host, apps, pairing):
    node = scrape(host, f"http://127.0.0.1:{NODE_EXPORTER}/metrics")
    names = {name for name, _ in node}
    # The full-disk alert's and the dashboard's host series.
    assert {"node_filesystem_avail_bytes", "node_filesystem_size_bytes", "node_cpu_seconds_total", "node_load1"} <= names, sorted(names)[:50]
    web = pairing[1]
    url = f"http://127.0.0.1:{WEB_EXPORTERS[web]}/metrics"
    counter = {"nginx": "nginx_http_requests_total", "apache": "apache_accesses_total"}[web]
    before = scrape(host, url)
    assert value(before, f"{web}_up") == 1, f"the {web} exporter does not reach the status page"
    send(host, apps[0], "/", 10)
    after = scrape(host, url)
    # The exporter's own reads of the status page count too.
    assert value(after, counter) - value(before, counter) >= 10, (value(before, counter), value(after, counter))


def test_no_application_answers_for_the_web_server_s_status_page(host, apps, pairing):
    web = pairing[1]
    page = host.check_output(f"curl -sS --fail --max-time 10 {shlex.quote(STATUS_PAGES[web])}")
    mark = {"nginx": "Active connections", "apache": "Total Accesses"}[web]
    assert mark in page, page[:300]
    for app in apps:
        for path in ("/stub_status", "/server-status", "/server-status?auto"):
            response = fetch_app(host, app, app["url_prefix"].rstrip("/") + path)
            assert mark not in response.body and "Scoreboard" not in response.body, (app["name"], path, response.status)
    # Only on loopback.
    listening = [line.split()[3] for line in host.check_output("ss -Htln").splitlines()]
    port = STATUS_PAGES[web].split(":")[2].split("/")[0]
    assert [a for a in listening if a.endswith(f":{port}")] == [f"127.0.0.1:{port}"], listening


def test_every_exporter_listens_where_it_is_told_and_refuses_other_sources(host, hostvars, pairing):
    listen = hostvars.get("flaskstack_metrics_listen", "127.0.0.1")
    listening = [line.split()[3] for line in host.check_output("ss -Htln").splitlines()]
    ports = {"flaskstack-metrics": 9186, "node": NODE_EXPORTER, pairing[1]: WEB_EXPORTERS[pairing[1]]}
    # Go's programs (Debian's exporters) listen on both IP versions for 0.0.0.0 ("*" to ss).
    wildcard = {f"{listen}:{{}}", "*:{}"} if listen == "0.0.0.0" else {f"{listen}:{{}}"}
    for name, port in ports.items():
        found = [a for a in listening if a.endswith(f":{port}")]
        assert len(found) == 1 and found[0] in {w.format(port) for w in wildcard}, (name, listening)
    if listen != "127.0.0.1":
        # The host itself scrapes its own address; this machine, not on the list, is refused.
        # Its address on the lab network (the one its default route leaves from).
        address = host.check_output("ip -4 -o route get 192.0.2.1").split(" src ")[1].split()[0]
        for name, port in ports.items():
            assert "# TYPE" in host.check_output(f"curl -sS --max-time 10 http://{address}:{port}/metrics"), name
            with pytest.raises(ConnectionRefusedError):
                socket.create_connection((address, port), timeout=10).close()
    token_files = host.check_output("stat -c '%U:%G %a %n' /etc/flaskstack/*/metrics.token").splitlines()
    for line in token_files:
        owner, mode, path = line.split()
        assert owner == f"root:{path.split('/')[3]}" and mode == "640", line
