"""Unit tests for the monitoring host's settings (module_utils/monitoring.py):
the scrape jobs made from the inventory, the probes' URLs, the thresholds."""

import pathlib

import pytest
import yaml
from ansible_collections.flaskstack.deploy.plugins.module_utils import monitoring

ROLES = pathlib.Path(__file__).resolve().parents[2] / "roles"


def _app(name, **extra):
    return dict({"name": name, "source": {"path": "/src"}, "entry_point": "app:app", "server_names": [f"{name}.example.org"]}, **extra)


def test_the_exporters_default_ports_are_the_roles_defaults():
    defaults = {}
    for role in ("app", "exporters", "nginx", "apache"):
        defaults.update(yaml.safe_load((ROLES / role / "defaults" / "main.yml").read_text()))
    assert {kind: defaults[variable] for kind, variable in monitoring.PORT_VARIABLES.items()} == monitoring.DEFAULT_PORTS


def test_every_host_s_exporters_and_every_application_s_health_path_are_scraped():
    hosts = [
        {"name": "web1", "address": "10.0.0.11", "metrics_listen": "0.0.0.0", "web_server": "nginx",
         "apps": [_app("shop"), _app("blog", url_prefix="/blog/", port=8080, tls=False), _app("old", state="absent")]},
        {"name": "web2", "metrics_listen": "10.0.0.12", "web_server": "apache", "app_server": "mod_wsgi", "ports": {"flaskstack": 9200, "node": None},
         "apps": [_app("wiki", server_names=["*.wiki.example.org"], health_path="/ping", tls={"port": 8443})]},
    ]  # fmt: skip
    jobs = {job["job_name"]: job for job in monitoring.scrape_jobs(hosts, "127.0.0.1:9115")}
    assert list(jobs) == ["flaskstack", "node", "nginx", "apache", "flaskstack_health"]
    assert jobs["flaskstack"]["static_configs"] == [
        {"targets": ["10.0.0.11:9186"], "labels": {"host": "web1"}},
        # One address to listen on: the one scraped; a port the host sets.
        {"targets": ["10.0.0.12:9200"], "labels": {"host": "web2"}},
    ]
    assert [c["targets"] for c in jobs["node"]["static_configs"]] == [["10.0.0.11:9100"], ["10.0.0.12:9100"]]
    assert jobs["nginx"]["static_configs"] == [{"targets": ["10.0.0.11:9113"], "labels": {"host": "web1"}}]
    assert jobs["apache"]["static_configs"] == [{"targets": ["10.0.0.12:9117"], "labels": {"host": "web2"}}]
    probes = jobs["flaskstack_health"]
    assert probes["params"] == {"module": ["flaskstack_health"]} and probes["metrics_path"] == "/probe"
    assert probes["static_configs"] == [
        {"targets": ["https://shop.example.org/health"], "labels": {"host": "web1", "app": "shop"}},
        {"targets": ["http://blog.example.org:8080/blog/health"], "labels": {"host": "web1", "app": "blog"}},
        # A wildcard name is probed as the health gate asks it.
        {"targets": ["https://health.wiki.example.org:8443/ping"], "labels": {"host": "web2", "app": "wiki"}},
    ]
    assert probes["relabel_configs"][-1] == {"target_label": "__address__", "replacement": "127.0.0.1:9115"}


def test_a_host_on_loopback_or_every_address_is_reached_at_its_inventory_address():
    for listen in (None, "127.0.0.1", "0.0.0.0", "::"):
        host = {"name": "web1", "address": "192.0.2.7", "metrics_listen": listen, "apps": []}
        assert monitoring.scrape_jobs([host])[0]["static_configs"][0]["targets"] == ["192.0.2.7:9186"]
    assert monitoring.scrape_jobs([{"name": "web1.example.org", "apps": []}])[0]["static_configs"][0]["targets"] == ["web1.example.org:9186"]
    assert monitoring.scrape_jobs([{"name": "web1", "metrics_listen": "2001:db8::7", "apps": []}])[1]["static_configs"][0]["targets"] == [
        "[2001:db8::7]:9100"
    ]


def test_a_host_whose_applications_its_play_would_refuse_is_named():
    with pytest.raises(monitoring.MonitoringError, match="^web3: "):
        monitoring.scrape_jobs([{"name": "web3", "apps": [{"name": "x"}]}])
    with pytest.raises(monitoring.MonitoringError, match="app_metrics_port"):
        monitoring.scrape_jobs([{"name": "web3", "apps": [], "ports": {"flaskstack": 0}}])
    # An address its own play would refuse too.
    with pytest.raises(monitoring.MonitoringError, match="^web3: flaskstack_metrics_listen"):
        monitoring.scrape_jobs([{"name": "web3", "apps": [], "metrics_listen": "web3.example.org"}])


def test_thresholds_are_checked_and_name_their_variable():
    good = {"app_down_for": "1m", "error_ratio": 0.05, "latency_p95_seconds": 1, "certificate_days": 14, "latency_for": "1h30m"}
    assert monitoring.alert_thresholds(good) == good
    for key, value in (("app_down_for", "1 minute"), ("app_down_for", 60), ("error_ratio", 5), ("certificate_days", -1), ("error_ratio", True)):
        with pytest.raises(monitoring.MonitoringError, match=f"monitoring_alert_{key}"):
            monitoring.alert_thresholds({key: value})
