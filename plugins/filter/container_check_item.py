# Copyright: contributors to flaskstack.deploy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The filter flaskstack.deploy.container_check_item: how to build and check a release of the container runtime (the logic is in plugins/module_utils/containers.py)."""

from __future__ import annotations

DOCUMENTATION = r"""
name: container_check_item
author: flaskstack.deploy contributors
version_added: 0.3.0
short_description: How to build and check a release of the container runtime before it gets traffic
description:
- 'The item of M(flaskstack.deploy.run_steps) for a new release of the container runtime: its environment''s image (unless it
  exists), its own image, then in a container of that image, as the application will run (its user, settings, limits,
  shared directories), the probe (the health path in-process) and the application''s C(test_command). Marked finished
  when all passed.'
options:
  _input:
    description: A release from P(flaskstack.deploy.app_release#filter).
    type: dict
    required: true
  settings:
    description: V(memory), V(pids_limit), V(network) (the container role's).
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Build and check the releases
  flaskstack.deploy.run_steps:
    items: "{{ releases | map('flaskstack.deploy.container_check_item', {'memory': '512m', 'pids_limit': 512, 'network': 'bridge'}) }}"
"""

RETURN = r"""
_value:
  description: An item of M(flaskstack.deploy.run_steps).
  type: dict
"""

from ansible_collections.flaskstack.deploy.plugins.module_utils import containers, releases


def container_check_item(release, settings):
    """How to build and check a release of the container runtime."""
    return containers.check_item(release, settings, releases.check_item(release, containers.check_prefix(release, settings)))


class FilterModule:
    """flaskstack.deploy.container_check_item"""

    def filters(self):
        return {"container_check_item": container_check_item}
