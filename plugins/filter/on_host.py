# Copyright: contributors to flaskstack.deploy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The filter flaskstack.deploy.on_host: the items whose path exists on the host, or does not (the logic is in plugins/module_utils/host_state.py)."""

from __future__ import annotations

DOCUMENTATION = r"""
name: on_host
author: flaskstack.deploy contributors
version_added: 0.2.0
short_description: The items whose path exists on the host, or does not
description:
- Of a list of dictionaries, those whose path O(key) exists (or, with O(present=false), does not) as M(flaskstack.deploy.stack_info)
  saw it.
options:
  _input:
    description: The items.
    type: list
    elements: dict
    required: true
  state:
    description: What M(flaskstack.deploy.stack_info) returned.
    type: dict
    required: true
  key:
    description: The key of an item that holds its path.
    type: str
    required: true
  present:
    description: True for the items whose path exists, false for the others.
    type: bool
    default: true
"""

EXAMPLES = r"""
- name: Note what to build
  ansible.builtin.set_fact:
    to_build: "{{ releases | flaskstack.deploy.on_host(state, 'marker', false) }}"
"""

RETURN = r"""
_value:
  description: The items.
  type: list
  elements: dict
"""

from ansible_collections.flaskstack.deploy.plugins.module_utils import host_state


def on_host(items, state, key, present=True):
    """The items whose path exists on the host, or does not."""
    return host_state.on_host(items, state, key, present)


class FilterModule:
    """flaskstack.deploy.on_host"""

    def filters(self):
        return {"on_host": on_host}
