# Copyright: contributors to flaskstack.deploy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The filter flaskstack.deploy.startable: the items whose unit systemd can act on (the logic is in plugins/module_utils/host_state.py)."""

from __future__ import annotations

DOCUMENTATION = r"""
name: startable
author: flaskstack.deploy contributors
version_added: 0.2.0
short_description: The items whose unit systemd can act on, in check mode too
description:
- Of a list of dictionaries, all of them; in check mode only those whose unit O(key) is loaded on the host as
  M(flaskstack.deploy.stack_info) saw it. A real run writes a new unit before it starts it; in check mode nothing was
  written and systemd cannot be asked about a unit it does not know (the unit file's change is reported by the task
  that writes it).
options:
  _input:
    description: The items.
    type: list
    elements: dict
    required: true
  state:
    description: What M(flaskstack.deploy.stack_info) returned (with the units read).
    type: dict
    required: true
  key:
    description: The key of an item that holds its unit's name.
    type: str
    required: true
  check_mode:
    description: Whether the play runs in check mode (V(ansible_check_mode)).
    type: bool
    required: true
"""

EXAMPLES = r"""
- name: Start the services
  ansible.builtin.systemd_service:
    name: "{{ item.service_unit }}"
    state: started
  loop: "{{ apps | flaskstack.deploy.startable(host, 'service_unit', ansible_check_mode) }}"
"""

RETURN = r"""
_value:
  description: The items.
  type: list
  elements: dict
"""

from ansible_collections.flaskstack.deploy.plugins.module_utils import host_state


def startable(items, state, key, check_mode):
    """The items whose unit systemd can act on."""
    return host_state.startable(items, state, key, check_mode)


class FilterModule:
    """flaskstack.deploy.startable"""

    def filters(self):
        return {"startable": startable}
