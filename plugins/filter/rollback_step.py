# Copyright: contributors to flaskstack.deploy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The filter flaskstack.deploy.rollback_step: the switch a rollback makes (the logic is in plugins/module_utils/releases.py)."""

from __future__ import annotations

DOCUMENTATION = r"""
name: rollback_step
author: flaskstack.deploy contributors
version_added: 0.2.0
short_description: The switch a rollback makes
description:
- The switch of an application to the release P(flaskstack.deploy.rollback_target#filter) chose.
options:
  _input:
    description: What P(flaskstack.deploy.rollback_target#filter) returned.
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Go back
  ansible.builtin.include_tasks: switch_apps.yml
  vars:
    switching: "{{ back | selectattr('id') | rejectattr('same') | map('flaskstack.deploy.rollback_step') }}"
"""

RETURN = r"""
_value:
  description: V(name), V(app), V(release) (the one to go live), V(from) (the live one).
  type: dict
"""

from ansible_collections.flaskstack.deploy.plugins.module_utils import releases


def rollback_step(target):
    """The switch a rollback makes."""
    return releases.rollback_step(target)


class FilterModule:
    """flaskstack.deploy.rollback_step"""

    def filters(self):
        return {"rollback_step": rollback_step}
