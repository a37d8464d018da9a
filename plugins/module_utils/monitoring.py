# Copyright: contributors to flaskstack.deploy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The monitoring host (roles/monitoring): what Prometheus scrapes, made from
the inventory (every application host's exporters and every application's
health path, probed from outside through the blackbox exporter), and the
thresholds of the alert rules.

Each application host answers on the exporters' address
(flaskstack_metrics_listen): the applications' request metrics
(app_metrics_port), the host's (the node exporter) and its web server's. The
monitoring host must be one of the sources the application hosts allow
(flaskstack_metrics_allow).
"""

from __future__ import annotations

import ipaddress
import re

from ansible_collections.flaskstack.deploy.plugins.module_utils import layout, metrics, pairings

# The exporters' ports when an application host does not set them: the roles'
# defaults (app_metrics_port, exporters_node_port, nginx_exporter_port,
# apache_exporter_port; tests/unit/test_monitoring.py checks that they agree).
DEFAULT_PORTS = {"flaskstack": 9186, "node": 9100, "nginx": 9113, "apache": 9117}
PORT_VARIABLES = {"flaskstack": "app_metrics_port", "node": "exporters_node_port", "nginx": "nginx_exporter_port", "apache": "apache_exporter_port"}
# The blackbox exporter's module that probes the applications' health paths.
PROBE_MODULE = "flaskstack_health"
DURATION_RE = re.compile(r"^([0-9]+(ms|s|m|h|d|w|y))+$")


class MonitoringError(ValueError):
    """Settings of the monitoring host that cannot work (the message says why)."""


def duration(value, variable):
    """A Prometheus duration (30s, 5m, 1h30m), checked."""
    if not isinstance(value, str) or not DURATION_RE.match(value):
        raise MonitoringError(f"{variable}: a Prometheus duration such as 30s, 5m or 1h is needed, not {value!r}.")
    return value


def _address(host):
    """Where the monitoring host reaches an application host: the address its
    exporters listen on when that is one address, else its inventory address."""
    try:
        listen = ipaddress.ip_address(str(host.get("metrics_listen") or metrics.LISTEN))
    except ValueError:
        raise MonitoringError(f"{host['name']}: flaskstack_metrics_listen is not an IP address: {host.get('metrics_listen')!r}.") from None
    if not listen.is_loopback and not listen.is_unspecified:
        return str(listen)
    return host.get("address") or host["name"]


def _target(address, port):
    return f"[{address}]:{port}" if ":" in address else f"{address}:{port}"


def probe_url(app):
    """The URL of an application's health path, as a client outside the host asks it."""
    if app["tls"]:
        scheme, port, default = "https", app["tls_port"], 443
    else:
        scheme, port, default = "http", app["port"], 80
    where = app["health_host"] if port == default else f"{app['health_host']}:{port}"
    return f"{scheme}://{where}{app['url_prefix'].rstrip('/')}{app['health_path']}"


def scrape_jobs(hosts, blackbox="127.0.0.1:9115"):
    """Prometheus's scrape jobs for the application HOSTS: dicts with "name"
    (the inventory name), "address" (how to reach it), "metrics_listen",
    "web_server", "app_server", "runtime", "apps" (its flaskstack_apps) and
    "ports" (the exporters' ports it sets: flaskstack, node, nginx, apache).
    Every series carries the label "host" (the inventory name)."""
    exporters = {"flaskstack": [], "node": [], "nginx": [], "apache": []}
    probes = []
    for host in sorted(hosts, key=lambda h: h["name"]):
        web_server = host.get("web_server") or pairings.DEFAULT_WEB_SERVER
        ports = dict(DEFAULT_PORTS, **{k: v for k, v in (host.get("ports") or {}).items() if v is not None})
        address = _address(host)
        try:
            apps = layout.app_layouts(host.get("apps") or [], app_server=host.get("app_server"), web_server=web_server, runtime=host.get("runtime"))
        except layout.LayoutError as exc:
            raise MonitoringError(f"{host['name']}: {exc}") from None
        for kind in ("flaskstack", "node", web_server):
            try:
                port = metrics.checked_port(ports[kind], PORT_VARIABLES[kind])
            except metrics.MetricsError as exc:
                raise MonitoringError(f"{host['name']}: {exc}") from None
            exporters[kind].append({"targets": [_target(address, port)], "labels": {"host": host["name"]}})
        for app in apps:
            probes.append({"targets": [probe_url(app)], "labels": {"host": host["name"], "app": app["name"]}})
    jobs = [{"job_name": kind, "static_configs": configs} for kind, configs in exporters.items() if configs]
    if probes:
        jobs.append(
            {
                "job_name": PROBE_MODULE,
                "metrics_path": "/probe",
                "params": {"module": [PROBE_MODULE]},
                "static_configs": probes,
                # The URL probed is the blackbox exporter's parameter and the
                # series' instance; the exporter is the address scraped.
                "relabel_configs": [
                    {"source_labels": ["__address__"], "target_label": "__param_target"},
                    {"source_labels": ["__param_target"], "target_label": "instance"},
                    {"target_label": "__address__", "replacement": blackbox},
                ],
            }
        )
    return jobs


def alert_thresholds(thresholds):
    """The alert rules' thresholds, checked: durations (for how long) and numbers."""
    out = {}
    for key, value in sorted(thresholds.items()):
        variable = f"monitoring_alert_{key}"
        if key.endswith("_for"):
            out[key] = duration(value, variable)
        elif isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
            raise MonitoringError(f"{variable}: a number of 0 or more is needed, not {value!r}.")
        elif key.endswith("_ratio") and value > 1:
            raise MonitoringError(f"{variable}: a ratio between 0 and 1 is needed (0.05 for 5 %), not {value!r}.")
        else:
            out[key] = value
    return out
