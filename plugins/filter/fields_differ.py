# Copyright: contributors to flaskstack.deploy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The filter flaskstack.deploy.fields_differ: whether a record lacks an expected value (the logic is in plugins/module_utils/host_state.py)."""

from __future__ import annotations

DOCUMENTATION = r"""
name: fields_differ
author: flaskstack.deploy contributors
version_added: 0.2.0
short_description: Whether a record lacks an expected value
description:
- Whether a record M(flaskstack.deploy.stack_info) returned (a user, a unit) is missing or lacks one of the expected values.
options:
  _input:
    description: The record, or null.
    type: dict
    required: true
  expected:
    description: The values it must have.
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Start the unit where it is not running
  ansible.builtin.systemd_service:
    name: nginx
    state: started
  when: "state.units['nginx.service'] | flaskstack.deploy.fields_differ({'active_state': 'active'})"
"""

RETURN = r"""
_value:
  description: Whether a value differs or the record is missing.
  type: bool
"""

from ansible_collections.flaskstack.deploy.plugins.module_utils import host_state


def fields_differ(actual, expected):
    """Whether a record lacks an expected value."""
    return host_state.fields_differ(actual, expected)


class FilterModule:
    """flaskstack.deploy.fields_differ"""

    def filters(self):
        return {"fields_differ": fields_differ}
