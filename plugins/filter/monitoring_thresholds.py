# Copyright: contributors to flaskstack.deploy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The filter flaskstack.deploy.monitoring_thresholds: the alert rules' thresholds, checked (the logic is in plugins/module_utils/monitoring.py)."""

from __future__ import annotations

DOCUMENTATION = r"""
name: monitoring_thresholds
author: flaskstack.deploy contributors
version_added: 0.3.0
short_description: The alert rules' thresholds, checked
description:
- The thresholds of the monitoring role's alert rules, by name without the prefix C(monitoring_alert_). Those ending in
  C(_for) must be Prometheus durations (C(30s), C(5m), C(1h)), the others numbers of 0 or more, those ending in
  C(_ratio) at most 1.
- Fails with a message naming the variable otherwise.
options:
  _input:
    description: The thresholds.
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: The thresholds
  ansible.builtin.debug:
    msg: "{{ {'error_ratio': 0.05, 'error_ratio_for': '5m'} | flaskstack.deploy.monitoring_thresholds }}"
"""

RETURN = r"""
_value:
  description: The thresholds, as given.
  type: dict
"""

from ansible.errors import AnsibleFilterError
from ansible_collections.flaskstack.deploy.plugins.module_utils import monitoring


def monitoring_thresholds(thresholds):
    """The thresholds, checked."""
    try:
        return monitoring.alert_thresholds(thresholds)
    except monitoring.MonitoringError as exc:
        raise AnsibleFilterError(str(exc)) from None


class FilterModule:
    """flaskstack.deploy.monitoring_thresholds"""

    def filters(self):
        return {"monitoring_thresholds": monitoring_thresholds}
