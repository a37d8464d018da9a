# Copyright: contributors to flaskstack.deploy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The filter flaskstack.deploy.link_target: the target of a link on the host (the logic is in plugins/module_utils/host_state.py)."""

from __future__ import annotations

DOCUMENTATION = r"""
name: link_target
author: flaskstack.deploy contributors
version_added: 0.2.0
short_description: The target of a link on the host
description:
- The target of the symbolic link at the path, as M(flaskstack.deploy.stack_info) read it, or V("") when there is none.
options:
  _input:
    description: The path of the link.
    type: str
    required: true
  state:
    description: What M(flaskstack.deploy.stack_info) returned.
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Show the live release
  ansible.builtin.debug:
    msg: "{{ '/srv/flaskstack/demo/current' | flaskstack.deploy.link_target(state) }}"
"""

RETURN = r"""
_value:
  description: The link's target.
  type: str
"""

from ansible_collections.flaskstack.deploy.plugins.module_utils import host_state


def link_target(path, state):
    """The target of a link on the host."""
    return host_state.link_target(state, path)


class FilterModule:
    """flaskstack.deploy.link_target"""

    def filters(self):
        return {"link_target": link_target}
