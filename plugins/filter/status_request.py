# Copyright: contributors to flaskstack.deploy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The filter flaskstack.deploy.status_request: what the status view reads of a host (the logic is in plugins/module_utils/status.py)."""

from __future__ import annotations

DOCUMENTATION = r"""
name: status_request
author: flaskstack.deploy contributors
version_added: 0.3.0
short_description: What the status view reads of a host
description:
- The options of M(flaskstack.deploy.stack_info) that read, for the applications' status view, the links C(current) and
  C(previous), the finished releases, the units, the containers, the certificates and the pending package upgrades.
options:
  _input:
    description: Entries of P(flaskstack.deploy.app_layouts#filter).
    type: list
    elements: dict
    required: true
"""

EXAMPLES = r"""
- name: Read the state of the applications
  flaskstack.deploy.stack_info: "{{ layouts | flaskstack.deploy.status_request }}"
  register: state
"""

RETURN = r"""
_value:
  description: V(paths), V(globs), V(units), V(containers), V(certificates) and V(upgrades), for M(flaskstack.deploy.stack_info).
  type: dict
"""

from ansible_collections.flaskstack.deploy.plugins.module_utils import status


def status_request(apps):
    """stack_info's options for the status view."""
    return status.state_request(apps)


class FilterModule:
    """flaskstack.deploy.status_request"""

    def filters(self):
        return {"status_request": status_request}
