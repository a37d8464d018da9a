# Copyright: contributors to flaskstack.deploy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The filter flaskstack.deploy.health_spec: what the health gate asks for (the logic is in plugins/module_utils/releases.py)."""

from __future__ import annotations

DOCUMENTATION = r"""
name: health_spec
author: flaskstack.deploy contributors
version_added: 0.2.0
short_description: What the health gate asks for
description:
- 'The applications the health gate (C(roles/app/files/health_gate.py --spec)) asks, from switches: each application''s health
  URL and host, and the release that must answer.'
options:
  _input:
    description: Switches from P(flaskstack.deploy.switch_step#filter) or P(flaskstack.deploy.rollback_step#filter).
    type: list
    elements: dict
    required: true
  which:
    description: Which release must answer, V(release) (the new one) or V(from) (the one before).
    type: str
    default: release
    choices:
    - release
    - from
"""

EXAMPLES = r"""
- name: Ask the new releases
  ansible.builtin.script:
    cmd: health_gate.py --spec {{ switching | flaskstack.deploy.health_spec | to_json | quote }}
    executable: /usr/bin/python3
"""

RETURN = r"""
_value:
  description: V(name), V(url), V(host), V(release) per application.
  type: list
  elements: dict
"""

from ansible_collections.flaskstack.deploy.plugins.module_utils import releases


def health_spec(steps, which="release"):
    """What the health gate asks for."""
    return releases.health_spec(steps, which)


class FilterModule:
    """flaskstack.deploy.health_spec"""

    def filters(self):
        return {"health_spec": health_spec}
