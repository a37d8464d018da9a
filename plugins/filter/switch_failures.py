# Copyright: contributors to flaskstack.deploy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The filter flaskstack.deploy.switch_failures: what the play says when switches failed (the logic is in plugins/module_utils/releases.py)."""

from __future__ import annotations

DOCUMENTATION = r"""
name: switch_failures
author: flaskstack.deploy contributors
version_added: 0.2.0
short_description: What the play says when switches failed
description:
- 'For each switch that went back: what the new release answered (or how the switch failed), and whether the one before is
  live and healthy again.'
options:
  _input:
    description: The switches that went back.
    type: list
    elements: dict
    required: true
  result:
    description: The result of the health gate of the new releases.
    type: dict
    required: true
  result_back:
    description: The result of the health gate of the releases gone back to.
    type: dict
    required: true
  timeout:
    description: The gate's timeout, for the message.
    type: int
    required: true
  failure:
    description: The failed task's result (its V(msg) is used when the switch itself failed).
    type: dict
"""

EXAMPLES = r"""
- name: Stop, saying what happened
  ansible.builtin.fail:
    msg: "{{ back | flaskstack.deploy.switch_failures(gate, gate_back, 60, ansible_failed_result) | join(' ') }}"
"""

RETURN = r"""
_value:
  description: One message per application, or one when the switch failed after the gate passed.
  type: list
  elements: str
"""

from ansible_collections.flaskstack.deploy.plugins.module_utils import releases


def switch_failures(back, result, result_back, timeout, failure=None):
    """What the play says when switches failed."""
    return releases.switch_failures(back, result, result_back, timeout, failure)


class FilterModule:
    """flaskstack.deploy.switch_failures"""

    def filters(self):
        return {"switch_failures": switch_failures}
