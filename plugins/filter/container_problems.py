# Copyright: contributors to flaskstack.deploy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The filter flaskstack.deploy.container_problems: the problems with the container role's settings (the logic is in plugins/module_utils/containers.py)."""

from __future__ import annotations

DOCUMENTATION = r"""
name: container_problems
author: flaskstack.deploy contributors
version_added: 0.3.0
short_description: The problems with the container role's settings
description:
- The memory limit (a size Docker takes, at least 6m), the process limit (16 to 1000000) and the network (bridge, none, host),
  each problem a message naming the variable.
options:
  _input:
    description: V(memory), V(pids_limit), V(network).
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Check the container settings
  ansible.builtin.assert:
    that: "{{ {'memory': '512m', 'pids_limit': 512, 'network': 'bridge'} | flaskstack.deploy.container_problems | length == 0 }}"
"""

RETURN = r"""
_value:
  description: The messages (empty when the settings are valid).
  type: list
  elements: str
"""

from ansible_collections.flaskstack.deploy.plugins.module_utils import containers


def container_problems(settings):
    """The problems with the container settings."""
    return containers.settings_problems(settings)


class FilterModule:
    """flaskstack.deploy.container_problems"""

    def filters(self):
        return {"container_problems": container_problems}
