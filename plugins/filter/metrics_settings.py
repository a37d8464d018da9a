# Copyright: contributors to flaskstack.deploy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The filter flaskstack.deploy.metrics_settings: the host's metrics exporter's settings (the logic is in plugins/module_utils/metrics.py)."""

from __future__ import annotations

DOCUMENTATION = r"""
name: metrics_settings
author: flaskstack.deploy contributors
version_added: 0.3.0
short_description: The settings of the host's metrics exporter
description:
- The settings file of the host's metrics exporter (C(roles/app/files/metrics_exporter.py)) for the applications' layouts
  from P(flaskstack.deploy.app_layouts#filter) (each application's metrics URL through the web server, its Host, its token file),
  the address and port it listens on, and the sources that may scrape it.
- Fails with a message naming the variable for a port out of range, a listening address that is not an IP address, an
  entry of O(allow) that is not an address or network, and an address that is not loopback without O(allow).
options:
  _input:
    description: The applications' layouts.
    type: list
    elements: dict
    required: true
  port:
    description: The exporter's TCP port.
    type: int
    required: true
  listen:
    description: The address it listens on; one that is not loopback needs O(allow).
    type: str
    default: 127.0.0.1
  allow:
    description: The sources (addresses or networks) that may scrape it besides the host itself.
    type: list
    elements: str
    default: []
"""

EXAMPLES = r"""
- name: The exporter's settings
  ansible.builtin.copy:
    content: "{{ layouts | flaskstack.deploy.metrics_settings(9186) | to_nice_json }}"
    dest: /etc/flaskstack/metrics.json
    mode: "0600"
"""

RETURN = r"""
_value:
  description: >-
    V(listen), V(port), V(timeout), V(allow), V(guarded) (whether firewall rules must keep other sources out), V(guard_table) and V(apps)
    (V(name), V(url), V(host), V(token_file) per application).
  type: dict
"""

from ansible.errors import AnsibleFilterError
from ansible_collections.flaskstack.deploy.plugins.module_utils import metrics


def metrics_settings(apps, port, listen=metrics.LISTEN, allow=()):
    """The exporter's settings."""
    try:
        return metrics.exporter_settings(apps, port, listen, allow)
    except metrics.MetricsError as exc:
        raise AnsibleFilterError(str(exc)) from None


class FilterModule:
    """flaskstack.deploy.metrics_settings"""

    def filters(self):
        return {"metrics_settings": metrics_settings}
