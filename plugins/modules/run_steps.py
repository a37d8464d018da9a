#!/usr/bin/python
# Copyright: contributors to flaskstack.deploy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run lists of commands, the lists side by side; mark each list that succeeds."""

from __future__ import annotations

DOCUMENTATION = r"""
module: run_steps
author: flaskstack.deploy contributors
version_added: "0.2.0"
short_description: Run several lists of commands side by side, and mark each list that succeeds
description:
  - Each item of O(items) is a list of commands (steps) run in order; the first one that fails stops its item.
    The items run side by side, so that building two environments or checking two releases costs the time of the
    slowest, in one call to the host.
  - An item whose steps all succeed gets its O(items[].marker) file (written atomically, mode 0644); the roles take
    a directory with its marker for a finished one.
  - The task fails when an item fails; RV(results) says which step failed and what it printed.
options:
  items:
    description: The items.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: A name for the item, in the results.
        type: str
        required: true
      id:
        description: An identifier for the item (for example a release), returned with its result.
        type: str
      group:
        description: What the item belongs to (for example an application), returned with its result.
        type: str
      steps:
        description: The commands, in order.
        type: list
        elements: dict
        required: true
        suboptions:
          step:
            description: The step's name, in the results.
            type: str
            required: true
          argv:
            description: The command and its arguments (no shell).
            type: list
            elements: str
            required: true
      environment:
        description: Environment variables added for the item's commands.
        type: dict
        default: {}
      marker:
        description: A file written when every step succeeded.
        type: path
      marker_content:
        description: The marker's content.
        type: str
        default: ""
      remove_on_failure:
        description: A directory removed when a step fails (what the item was building).
        type: path
  parallel:
    description: Run the items side by side; false runs them one after the other.
    type: bool
    default: true
attributes:
  check_mode:
    support: full
    details: Runs nothing and reports the change a real run would make.
  diff_mode:
    support: none
"""

EXAMPLES = r"""
- name: Build two virtualenvs side by side
  flaskstack.deploy.run_steps:
    items:
      - name: shop
        steps:
          - {step: venv, argv: [python3, -m, venv, /srv/envs/a]}
          - {step: install, argv: [/srv/envs/a/bin/pip, install, flask]}
        marker: /srv/envs/a/.done
        remove_on_failure: /srv/envs/a
      - name: blog
        steps:
          - {step: venv, argv: [python3, -m, venv, /srv/envs/b]}
        marker: /srv/envs/b/.done
"""

RETURN = r"""
results:
  description:
    - One per item, in order - V(name), V(id), V(group), V(passed), V(steps) (each V(step), V(rc), V(stdout),
      V(stderr)), and for an item that failed V(failed_step), V(rc), V(stdout) and V(stderr) of that step.
  type: list
  elements: dict
  returned: always
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.flaskstack.deploy.plugins.module_utils.steps import run_items


def main():
    module = AnsibleModule(
        argument_spec={
            "items": {
                "type": "list",
                "elements": "dict",
                "required": True,
                "options": {
                    "name": {"type": "str", "required": True},
                    "id": {"type": "str"},
                    "group": {"type": "str"},
                    "steps": {
                        "type": "list",
                        "elements": "dict",
                        "required": True,
                        "options": {
                            "step": {"type": "str", "required": True},
                            "argv": {"type": "list", "elements": "str", "required": True},
                        },
                    },
                    "environment": {"type": "dict", "default": {}},
                    "marker": {"type": "path"},
                    "marker_content": {"type": "str", "default": ""},
                    "remove_on_failure": {"type": "path"},
                },
            },
            "parallel": {"type": "bool", "default": True},
        },
        supports_check_mode=True,
    )
    items = module.params["items"]
    if module.check_mode:
        module.exit_json(changed=bool(items), results=[])
    results = run_items(items, parallel=module.params["parallel"])
    failed = [r for r in results if not r["passed"]]
    if failed:
        module.fail_json(
            msg="; ".join(f"{r['name']}: {r['failed_step']} failed (exit {r['rc']})" for r in failed),
            changed=len(failed) < len(results),
            results=results,
        )
    module.exit_json(changed=bool(items), results=results)


if __name__ == "__main__":
    main()
