# Copyright: contributors to flaskstack.deploy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The filter flaskstack.deploy.env_prune: the dependency environments no release uses (the logic is in plugins/module_utils/releases.py)."""

from __future__ import annotations

DOCUMENTATION = r"""
name: env_prune
author: flaskstack.deploy contributors
version_added: 0.2.0
short_description: The dependency environments no release uses
description:
- Of the environment directories, those whose id no release that stays uses (its C(venv) link's target) and that are not being
  built.
options:
  _input:
    description: The environment directories.
    type: list
    elements: str
    required: true
  used:
    description: The targets of the C(venv) links of the releases that stay.
    type: list
    elements: str
    required: true
  building:
    description: Environment directories in use by the releases of this run.
    type: list
    elements: str
"""

EXAMPLES = r"""
- name: Remove unused environments
  ansible.builtin.file:
    path: "{{ item }}"
    state: absent
  loop: "{{ env_dirs | flaskstack.deploy.env_prune(venv_targets) }}"
"""

RETURN = r"""
_value:
  description: The directories to remove, sorted.
  type: list
  elements: str
"""

from ansible_collections.flaskstack.deploy.plugins.module_utils import releases


def env_prune(env_dirs, used, building=()):
    """The dependency environments no release uses."""
    return releases.prune_envs(env_dirs, used, building)


class FilterModule:
    """flaskstack.deploy.env_prune"""

    def filters(self):
        return {"env_prune": env_prune}
