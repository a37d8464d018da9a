# Copyright: contributors to flaskstack.deploy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The filter flaskstack.deploy.status_health: what the status view asks the health gate (the logic is in plugins/module_utils/status.py)."""

from __future__ import annotations

DOCUMENTATION = r"""
name: status_health
author: flaskstack.deploy contributors
version_added: 0.3.0
short_description: What the status view asks the health gate
description:
- For each application with a live release, its health URL and host and the live release, which must be the one that
  answers (the health gate's C(--spec), as P(flaskstack.deploy.health_spec#filter) makes it for a switch).
options:
  _input:
    description: Entries of P(flaskstack.deploy.app_layouts#filter).
    type: list
    elements: dict
    required: true
  state:
    description: What M(flaskstack.deploy.stack_info) read with P(flaskstack.deploy.status_request#filter).
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Ask each live release for its health
  ansible.builtin.script:
    cmd: health_gate.py --spec {{ layouts | flaskstack.deploy.status_health(state) | to_json | quote }} --timeout 5 --settle 0
    executable: /usr/bin/python3
"""

RETURN = r"""
_value:
  description: V(name), V(url), V(host), V(release) per application with a live release.
  type: list
  elements: dict
"""

from ansible_collections.flaskstack.deploy.plugins.module_utils import releases, status


def status_health(apps, state):
    """The health gate's spec for the live releases."""
    return releases.health_spec(status.health_steps(apps, state))


class FilterModule:
    """flaskstack.deploy.status_health"""

    def filters(self):
        return {"status_health": status_health}
