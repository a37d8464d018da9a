# Copyright: contributors to flaskstack.deploy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The filter flaskstack.deploy.release_command_apps: the applications whose release command this host runs (the logic is in plugins/module_utils/processes.py)."""

from __future__ import annotations

DOCUMENTATION = r"""
name: release_command_apps
author: flaskstack.deploy contributors
version_added: 0.3.0
short_description: The applications whose release command this host runs
description:
- A release command runs once per deploy, on the first host of the batch that builds the application's new release.
- Of the applications whose new release has a release command on this host, those that no host before it in the batch runs.
options:
  _input:
    description: The names of the applications whose new release has a release command on this host.
    type: list
    elements: str
    required: true
  earlier:
    description: The same lists of the hosts before this one in the batch.
    type: list
    elements: list
    required: true
"""

EXAMPLES = r"""
- name: Note the release commands this host runs
  ansible.builtin.set_fact:
    here: >-
      {{ names | flaskstack.deploy.release_command_apps(ansible_play_batch[:ansible_play_batch.index(inventory_hostname)]
         | map('extract', hostvars, 'names') | list) }}
"""

RETURN = r"""
_value:
  description: The names.
  type: list
  elements: str
"""

from ansible_collections.flaskstack.deploy.plugins.module_utils import processes


def release_command_apps(names, earlier):
    """The applications whose release command this host runs."""
    return processes.release_command_apps(list(names), list(earlier))


class FilterModule:
    """flaskstack.deploy.release_command_apps"""

    def filters(self):
        return {"release_command_apps": release_command_apps}
