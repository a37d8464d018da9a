# Copyright: contributors to flaskstack.deploy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The filter flaskstack.deploy.switch_step: the switch of an application to a release (the logic is in plugins/module_utils/releases.py)."""

from __future__ import annotations

DOCUMENTATION = r"""
name: switch_step
author: flaskstack.deploy contributors
version_added: 0.2.0
short_description: The switch of an application to a release
description:
- The switch of an application from its live release to a release of P(flaskstack.deploy.app_release#filter).
options:
  _input:
    description: A release from P(flaskstack.deploy.app_release#filter).
    type: dict
    required: true
  live:
    description: Application name to the id of its live release.
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Switch
  ansible.builtin.include_tasks: switch_apps.yml
  vars:
    switching: "{{ releases | flaskstack.deploy.pending_releases(live) | map('flaskstack.deploy.switch_step', live) }}"
"""

RETURN = r"""
_value:
  description: V(name), V(app), V(release) (the one to go live), V(from) (the live one, or V("")).
  type: dict
"""

from ansible_collections.flaskstack.deploy.plugins.module_utils import releases


def switch_step(release, live):
    """The switch of an application to a release."""
    return releases.switch_step(release, live)


class FilterModule:
    """flaskstack.deploy.switch_step"""

    def filters(self):
        return {"switch_step": switch_step}
