# Copyright: contributors to flaskstack.deploy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The filter flaskstack.deploy.globbed: the paths glob patterns matched on the host (the logic is in plugins/module_utils/host_state.py)."""

from __future__ import annotations

DOCUMENTATION = r"""
name: globbed
author: flaskstack.deploy contributors
version_added: 0.2.0
short_description: The paths glob patterns matched on the host
description:
- The paths M(flaskstack.deploy.stack_info) found for O(flaskstack.deploy.stack_info#module:globs), each its description (as
  in RV(flaskstack.deploy.stack_info#module:paths)) with V(path) added, sorted by path.
options:
  _input:
    description: What M(flaskstack.deploy.stack_info) returned.
    type: dict
    required: true
  patterns:
    description: One pattern or a list of them.
    type: raw
    required: true
"""

EXAMPLES = r"""
- name: Show the releases
  ansible.builtin.debug:
    msg: "{{ state | flaskstack.deploy.globbed('/srv/flaskstack/demo/releases/*') | map(attribute='path') }}"
"""

RETURN = r"""
_value:
  description: The paths' descriptions.
  type: list
  elements: dict
"""

from ansible_collections.flaskstack.deploy.plugins.module_utils import host_state


def globbed(state, patterns):
    """The paths glob patterns matched on the host."""
    return host_state.globbed(state, patterns)


class FilterModule:
    """flaskstack.deploy.globbed"""

    def filters(self):
        return {"globbed": globbed}
