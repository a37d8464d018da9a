# Copyright: contributors to flaskstack.deploy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The filter flaskstack.deploy.metrics_guard: the firewall rules of the host's metrics exporter (the logic is in plugins/module_utils/metrics.py)."""

from __future__ import annotations

DOCUMENTATION = r"""
name: metrics_guard
author: flaskstack.deploy contributors
version_added: 0.3.0
short_description: The nftables rules that keep the metrics exporter to the sources listed
description:
- The nftables rules (the table C(inet flaskstack_metrics), replaced whole) that let only the sources of the exporter's
  settings and the host itself reach its port; any other source's connection gets a TCP reset.
options:
  _input:
    description: The exporter's settings from P(flaskstack.deploy.metrics_settings#filter).
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: The exporter's rules
  ansible.builtin.copy:
    content: "{{ layouts | flaskstack.deploy.metrics_settings(9186, '192.0.2.5', ['192.0.2.10']) | flaskstack.deploy.metrics_guard }}"
    dest: /etc/flaskstack/metrics.nft
    mode: "0600"
"""

RETURN = r"""
_value:
  description: The rules, as C(nft -f) reads them.
  type: str
"""

from ansible_collections.flaskstack.deploy.plugins.module_utils import metrics


def metrics_guard(settings):
    """The exporter's firewall rules."""
    return metrics.guard_rules(settings)


class FilterModule:
    """flaskstack.deploy.metrics_guard"""

    def filters(self):
        return {"metrics_guard": metrics_guard}
