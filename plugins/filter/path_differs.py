# Copyright: contributors to flaskstack.deploy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The filter flaskstack.deploy.path_differs: whether a task would change a path (the logic is in plugins/module_utils/host_state.py)."""

from __future__ import annotations

DOCUMENTATION = r"""
name: path_differs
author: flaskstack.deploy contributors
version_added: 0.2.0
short_description: Whether a task would change a path
description:
- Whether a path, as M(flaskstack.deploy.stack_info) saw it, differs from what a task would make of it - missing, of another
  kind, another owner, group, mode, content or link target. The roles run a task only where this is true; the task itself
  (M(ansible.builtin.template), M(ansible.builtin.file), ...) makes the change.
- A path M(flaskstack.deploy.stack_info) was not asked about differs, so the task decides.
options:
  _input:
    description: What M(flaskstack.deploy.stack_info) returned.
    type: dict
    required: true
  path:
    description: The path.
    type: str
    required: true
  kind:
    description: V(file), V(directory), V(link), or V(absent) (whether the path exists).
    type: str
    default: file
  owner:
    description: The owner it must have.
    type: str
  group:
    description: The group it must have.
    type: str
  mode:
    description: The mode it must have, in octal (for example V(0640)); a symbolic mode always differs.
    type: str
  content:
    description: The text a file must hold (compared by its SHA-1 digest, or with the digest given to O(flaskstack.deploy.stack_info#module:expect)).
    type: str
  target:
    description: The target a link must have.
    type: str
"""

EXAMPLES = r"""
- name: Write the settings where they differ
  ansible.builtin.template:
    src: app.env.j2
    dest: /etc/flaskstack/demo/app.env
    mode: "0640"
  when: state | flaskstack.deploy.path_differs('/etc/flaskstack/demo/app.env', 'file', 'root', 'demo', '0640', lookup('ansible.builtin.template', 'app.env.j2'))
"""

RETURN = r"""
_value:
  description: Whether the task would change the path.
  type: bool
"""

from ansible_collections.flaskstack.deploy.plugins.module_utils import host_state


def path_differs(state, path, kind="file", owner=None, group=None, mode=None, content=None, target=None):
    """Whether a task would change a path."""
    return host_state.path_differs(state, path, kind, owner, group, mode, content, target)


class FilterModule:
    """flaskstack.deploy.path_differs"""

    def filters(self):
        return {"path_differs": path_differs}
