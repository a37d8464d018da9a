#!/usr/bin/python
# Copyright: contributors to flaskstack.deploy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Write a role's configuration files as one change, tested before a server reads them."""

from __future__ import annotations

DOCUMENTATION = r"""
module: config_files
author: flaskstack.deploy contributors
version_added: "0.2.0"
short_description: Write configuration files as one change, tested before a server reads them
description:
  - Makes directories, files (from templates of the calling role, rendered on the controller as
    M(ansible.builtin.template) renders them, or from text) and links, and removes paths, in one call to the host;
    only what differs from the host is written. A file is written to a new file in the same directory and renamed
    over the old one.
  - With O(test), the command runs once everything is written. When it fails, every path is put back as it was (the
    old content, owner and mode; new paths removed; removed paths restored) and the task fails with what the command
    printed. So a configuration that fails C(nginx -t) or C(apache2ctl configtest) never reaches a running server,
    which reads its files only when it reloads.
  - Files marked O(files[].secret) are passed to the host without being logged and are never shown in a diff.
  - This is an action plugin; the templates are found in the calling role's C(templates) directory (or by path).
options:
  directories:
    description: Directories to make, with their owner, group and mode, made before the files (the shortest paths first).
    type: list
    elements: dict
    default: []
    suboptions:
      path:
        description: The directory.
        type: path
        required: true
      owner:
        description: Its owner.
        type: str
      group:
        description: Its group.
        type: str
      mode:
        description: Its mode in octal (default V(0755)).
        type: str
  files:
    description: The files.
    type: list
    elements: dict
    default: []
    suboptions:
      dest:
        description: The file on the host.
        type: path
        required: true
      template:
        description: "A template, rendered on the controller (give this or O(files[].content))."
        type: str
      vars:
        description: Variables the template sees besides the task's (for example V(item)).
        type: dict
      content:
        description: The file's text (give this or O(files[].template)).
        type: str
      owner:
        description: Its owner.
        type: str
      group:
        description: Its group.
        type: str
      mode:
        description: Its mode in octal (default V(0644)).
        type: str
      secret:
        description: Never log its content nor show it in a diff.
        type: bool
        default: false
      keep_content:
        description:
          - Write O(files[].content) only when the file is missing; an existing file keeps its content (its owner and
            mode are set). For a value made once for the host, such as a random token.
        type: bool
        default: false
  links:
    description: Symbolic links to make.
    type: list
    elements: dict
    default: []
    suboptions:
      src:
        description: The link's target.
        type: str
        required: true
      dest:
        description: The link.
        type: path
        required: true
  absent:
    description: Paths to remove (a directory with what is in it).
    type: list
    elements: path
    default: []
  test:
    description: A command (argv) that must succeed once the files are written; everything is put back when it fails.
    type: list
    elements: str
  reload:
    description:
      - A systemd unit to reload when it runs, after O(test) passed (run again when no file changed); a unit that does not
        run is left alone, and reads the files when it starts. For the handlers that apply a server's new configuration.
      - When the test fails, nothing is reloaded and the task fails with what the test said.
    type: str
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
    details: Secret files show no content.
"""

EXAMPLES = r"""
- name: Write Nginx's sites, tested before the server may read them
  flaskstack.deploy.config_files:
    files:
      - template: site.conf.j2
        dest: /etc/nginx/sites-available/flaskstack-shop.conf
        vars: {item: "{{ shop }}"}
    links:
      - src: /etc/nginx/sites-available/flaskstack-shop.conf
        dest: /etc/nginx/sites-enabled/flaskstack-shop.conf
    absent: [/etc/nginx/sites-enabled/default]
    test: [nginx, -t]
  notify: Reload Nginx
"""

RETURN = r"""
changed_paths:
  description: The paths that changed (or would change, in check mode).
  type: list
  elements: str
  returned: always
test_output:
  description: What the test command printed when it passed.
  type: str
  returned: when the test ran
reloaded:
  description: Whether O(reload) reloaded the unit.
  type: bool
  returned: always
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.flaskstack.deploy.plugins.module_utils import config_files

_OWNERSHIP = {"owner": {"type": "str"}, "group": {"type": "str"}, "mode": {"type": "str"}}


def main():
    # A secret file's text is the item of secret_contents its "secret" names (kept from the logs).
    file_options = dict(_OWNERSHIP, dest={"type": "path", "required": True}, content={"type": "str"}, secret={"type": "int"},
                        keep_content={"type": "bool", "default": False})
    module = AnsibleModule(
        argument_spec={
            "directories": {"type": "list", "elements": "dict", "default": [], "options": dict(_OWNERSHIP, path={"type": "path", "required": True})},
            "files": {"type": "list", "elements": "dict", "default": [], "options": file_options},
            "secret_contents": {"type": "list", "elements": "str", "default": [], "no_log": True},
            "links": {"type": "list", "elements": "dict", "default": [], "options": {"src": {"type": "str", "required": True}, "dest": {"type": "path", "required": True}}},
            "absent": {"type": "list", "elements": "path", "default": []},
            "test": {"type": "list", "elements": "str"},
            "reload": {"type": "str"},
        },
        supports_check_mode=True,
    )
    p = module.params
    files = []
    for entry in p["files"]:
        if entry["secret"] is not None:
            if not 0 <= entry["secret"] < len(p["secret_contents"]):
                module.fail_json(msg=f"config_files: {entry['dest']}: no secret content number {entry['secret']}")
            entry = dict(entry, content=p["secret_contents"][entry["secret"]], secret=True)
        elif entry["content"] is None:
            module.fail_json(msg=f"config_files: {entry['dest']}: a file needs its content")
        files.append(entry)
    try:
        changes, output = config_files.change(p["directories"], files, p["links"], p["absent"], p["test"], module.check_mode)
    except config_files.TestFailed as exc:
        module.fail_json(
            msg=f"{' '.join(p['test'])} rejected the new configuration; it was not applied and every file is as it was before. It said: {exc}",
            changed=False,
        )
    except config_files.ConfigError as exc:
        module.fail_json(msg=f"config_files: {exc}", changed=False)
    reloaded = False
    if p["reload"] and not module.check_mode:
        try:
            reloaded = config_files.reload_unit(p["reload"], p["test"])
        except config_files.TestFailed as exc:
            module.fail_json(msg=f"{' '.join(p['test'])} rejected the configuration; {p['reload']} was not reloaded. It said: {exc}", changed=bool(changes))
        except config_files.ConfigError as exc:
            module.fail_json(msg=f"config_files: {exc}", changed=bool(changes))
    result = {"changed": bool(changes) or reloaded, "changed_paths": [c["path"] for c in changes], "reloaded": reloaded}
    if output:
        result["test_output"] = output
    if module._diff and changes:
        result["diff"] = config_files.diffs(changes)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
