# Copyright: contributors to flaskstack.deploy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The filter flaskstack.deploy.failed_switches: the switches that must go back (the logic is in plugins/module_utils/releases.py)."""

from __future__ import annotations

DOCUMENTATION = r"""
name: failed_switches
author: flaskstack.deploy contributors
version_added: 0.2.0
short_description: The switches that must go back
description:
- The switches whose release did not pass the health gate, or all of them when the gate did not report (the switch itself
  failed).
options:
  _input:
    description: The switches.
    type: list
    elements: dict
    required: true
  result:
    description: The result of the task that ran the health gate (or V({}) when it did not run).
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Note which applications go back
  ansible.builtin.set_fact:
    back: "{{ switching | flaskstack.deploy.failed_switches(gate | default({})) }}"
"""

RETURN = r"""
_value:
  description: The switches to take back.
  type: list
  elements: dict
"""

from ansible_collections.flaskstack.deploy.plugins.module_utils import releases


def failed_switches(steps, result):
    """The switches that must go back."""
    return releases.failed_switches(steps, result)


class FilterModule:
    """flaskstack.deploy.failed_switches"""

    def filters(self):
        return {"failed_switches": failed_switches}
