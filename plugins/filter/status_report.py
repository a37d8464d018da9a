# Copyright: contributors to flaskstack.deploy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The filter flaskstack.deploy.status_report: the status view of a host's applications (the logic is in plugins/module_utils/status.py)."""

from __future__ import annotations

DOCUMENTATION = r"""
name: status_report
author: flaskstack.deploy contributors
version_added: 0.3.0
short_description: The status view of a host's applications
description:
- Per application its live release and since when it is live, the previous release, the finished releases kept, the
  answer of its health path through the web server, the state of its units or containers and its certificate's expiry;
  for the host, the package upgrades apt knows of. Lines to print, and the same as data.
options:
  _input:
    description: Entries of P(flaskstack.deploy.app_layouts#filter).
    type: list
    elements: dict
    required: true
  state:
    description: What M(flaskstack.deploy.stack_info) read with P(flaskstack.deploy.status_request#filter).
    type: dict
    required: true
  gate:
    description: The result of the task that ran the health gate with P(flaskstack.deploy.status_health#filter) (its JSON line).
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Show the state of each application
  ansible.builtin.debug:
    msg: "{{ (layouts | flaskstack.deploy.status_report(state, gate)).lines }}"
"""

RETURN = r"""
_value:
  description: V(lines) (the view), V(apps) (per application the same as data) and V(upgrades).
  type: dict
"""

from ansible_collections.flaskstack.deploy.plugins.module_utils import status


def status_report(apps, state, gate):
    """The status view."""
    return status.report(apps, state, gate)


class FilterModule:
    """flaskstack.deploy.status_report"""

    def filters(self):
        return {"status_report": status_report}
