# Copyright: contributors to flaskstack.deploy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The filter flaskstack.deploy.rollback_target: where a rollback takes an application (the logic is in plugins/module_utils/releases.py)."""

from __future__ import annotations

DOCUMENTATION = r"""
name: rollback_target
author: flaskstack.deploy contributors
version_added: 0.1.0
short_description: Where a rollback takes an application
description:
- 'The release an application goes back to: the one named, or the one its C(previous) link points at.'
options:
  _input:
    description: A list of three - the application (from P(flaskstack.deploy.app_layouts#filter)), the target of its C(current)
      link and that of its C(previous) link (V("") for none).
    type: list
    required: true
  release_id:
    description: A release to go to (12 hexadecimal digits); empty for the previous one.
    type: str
    default: ''
"""

EXAMPLES = r"""
- name: Note where each application goes back to
  ansible.builtin.set_fact:
    back: "{{ apps | zip(current_targets, previous_targets) | map('flaskstack.deploy.rollback_target', '') }}"
"""

RETURN = r"""
_value:
  description: V(name), V(app), V(id) (empty when there is nothing to go back to), V(live), V(same), V(marker).
  type: dict
"""

from ansible.errors import AnsibleFilterError
from ansible_collections.flaskstack.deploy.plugins.module_utils import releases


def rollback_target(links, release_id=""):
    """Where a rollback takes an application."""
    try:
        return releases.rollback_target(*links, release_id)
    except releases.ReleaseError as exc:
        raise AnsibleFilterError(str(exc)) from None


class FilterModule:
    """flaskstack.deploy.rollback_target"""

    def filters(self):
        return {"rollback_target": rollback_target}
