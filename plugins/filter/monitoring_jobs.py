# Copyright: contributors to flaskstack.deploy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The filter flaskstack.deploy.monitoring_jobs: Prometheus's scrape jobs from the inventory (the logic is in plugins/module_utils/monitoring.py)."""

from __future__ import annotations

DOCUMENTATION = r"""
name: monitoring_jobs
author: flaskstack.deploy contributors
version_added: 0.3.0
short_description: Prometheus's scrape jobs for the application hosts of the inventory
description:
- For each application host named in the input, its exporters (the applications' request metrics, the node exporter, its
  web server's exporter) on the address it listens on (C(flaskstack_metrics_listen) when that is one address, else
  C(ansible_host), else the inventory name), at the ports it sets (C(app_metrics_port), C(exporters_node_port),
  C(nginx_exporter_port), C(apache_exporter_port); the roles' defaults otherwise), and the health path of each of its
  applications (C(flaskstack_apps)), probed through the blackbox exporter.
- Every series gets the label C(host), the inventory name; the probes also C(app).
- Fails with a message naming the host for an application list its own play would refuse.
options:
  _input:
    description: The inventory names of the application hosts.
    type: list
    elements: str
    required: true
  hostvars:
    description: Ansible's C(hostvars).
    type: dict
    required: true
  blackbox:
    description: The blackbox exporter's address and port, as Prometheus reaches it.
    type: str
    default: 127.0.0.1:9115
"""

EXAMPLES = r"""
- name: Prometheus's settings
  ansible.builtin.copy:
    content: "{{ {'scrape_configs': groups['flaskstack'] | flaskstack.deploy.monitoring_jobs(hostvars)} | to_nice_yaml }}"
    dest: /etc/prometheus/prometheus.yml
    mode: "0644"
"""

RETURN = r"""
_value:
  description: The jobs of C(scrape_configs) (C(flaskstack), C(node), C(nginx) and C(apache) as the hosts need, C(flaskstack_health)).
  type: list
  elements: dict
"""

from ansible.errors import AnsibleFilterError
from ansible_collections.flaskstack.deploy.plugins.module_utils import monitoring



def _get(variables, key, default=None):
    try:
        return variables[key]
    except KeyError:
        return default


def monitoring_jobs(names, hostvars, blackbox="127.0.0.1:9115"):
    """The scrape jobs."""
    hosts = []
    for name in names:
        variables = hostvars[name]
        hosts.append(
            {
                "name": name,
                "address": _get(variables, "ansible_host"),
                "metrics_listen": _get(variables, "flaskstack_metrics_listen"),
                "web_server": _get(variables, "flaskstack_web_server"),
                "app_server": _get(variables, "flaskstack_app_server"),
                "runtime": _get(variables, "flaskstack_app_runtime"),
                "apps": _get(variables, "flaskstack_apps", []),
                "ports": {kind: _get(variables, variable) for kind, variable in monitoring.PORT_VARIABLES.items()},
            }
        )
    try:
        return monitoring.scrape_jobs(hosts, blackbox)
    except monitoring.MonitoringError as exc:
        raise AnsibleFilterError(str(exc)) from None


class FilterModule:
    """flaskstack.deploy.monitoring_jobs"""

    def filters(self):
        return {"monitoring_jobs": monitoring_jobs}
