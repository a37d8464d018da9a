#!/usr/bin/python
# Copyright: contributors to flaskstack.deploy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read, in one call, the state of what a flaskstack role manages on a host."""

from __future__ import annotations

DOCUMENTATION = r"""
module: stack_info
author: flaskstack.deploy contributors
version_added: "0.2.0"
short_description: Read the state of files, units, packages, users and certificates in one call
description:
  - Reads, without changing anything, what a role of the collection needs to know before it acts
    (which files exist and with what content, owner and mode, which units run, which packages and users
    exist), so that the role changes only what differs and pays one round trip to the host for it.
  - The roles use its result to skip the tasks that would change nothing; the tasks that do change
    something are the usual modules (M(ansible.builtin.template), M(ansible.builtin.file), ...).
options:
  paths:
    description:
      - Paths to look at (without following a last symbolic link). Regular files get their SHA-1 digest
        in RV(paths[].checksum), the digest M(ansible.builtin.stat) reports.
    type: list
    elements: path
    default: []
  globs:
    description: Shell patterns; each match is looked at as in O(paths), and listed in RV(globs).
    type: list
    elements: str
    default: []
  stat_only:
    description: Paths to look at as in O(paths), without reading them (no checksum), for example private keys.
    type: list
    elements: path
    default: []
  expect:
    description:
      - Files whose content must not be reported, with the SHA-1 digest they should have (for example
        files that hold secrets). Their result has RV(paths[].matches) instead of a checksum.
    type: dict
    default: {}
  units:
    description: systemd units whose state to report.
    type: list
    elements: str
    default: []
  packages:
    description: Debian packages whose installed version to report.
    type: list
    elements: str
    default: []
  users:
    description: System users whose passwd entry to report.
    type: list
    elements: str
    default: []
  groups:
    description: System groups to look for.
    type: list
    elements: str
    default: []
  certificates:
    description: PEM certificates whose names, end date and issuer to report (read with C(openssl)).
    type: list
    elements: path
    default: []
  read:
    description: Small text files (at most 4 MiB) whose content to return. Never a file that holds a secret.
    type: list
    elements: path
    default: []
  requirements:
    description:
      - pip requirements files whose digest to return, with the files they include (C(-r), C(-c)), as the lookup
        P(flaskstack.deploy.requirements_digest#lookup) computes it on the controller.
    type: list
    elements: path
    default: []
  projects:
    description:
      - A file of O(requirements) -> the directory of the code to check for a Python project that pip can install
        (V(project) in its result).
    type: dict
    default: {}
  containers:
    description: Applications of the container runtime whose containers to report (by the label C(flaskstack.app)).
    type: list
    elements: str
    default: []
  upgrades:
    description:
      - Report the package upgrades apt knows of (C(apt-get --simulate dist-upgrade), as of the host's last
        C(apt-get update); nothing is downloaded or installed).
    type: bool
    default: false
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
"""

EXAMPLES = r"""
- name: Read what the role manages
  flaskstack.deploy.stack_info:
    paths: [/etc/flaskstack/shop/app.env]
    units: [flaskstack-shop.service]
    packages: [nginx]
    users: [shop]
  register: state

- name: Install Nginx only where it is missing
  ansible.builtin.apt:
    name: nginx
  when: state.packages.nginx is none
"""

RETURN = r"""
time:
  description: The host's clock when it was read (seconds since the epoch).
  type: float
  returned: always
cpus:
  description: The number of CPUs this process may run on.
  type: int
  returned: always
python_version:
  description: The version of the Python that runs the module (the host's python3).
  type: str
  returned: always
paths:
  description:
    - One entry per path of O(paths), O(globs), O(stat_only) and O(expect) - V(exists), and when it exists V(type)
      (V(file), V(directory), V(link), V(socket) or V(other)), V(mode) (for example V(0644)), V(owner),
      V(group), V(size), V(mtime), V(target) for links, V(checksum) for regular files, V(matches) for O(expect).
  type: dict
  returned: always
globs:
  description: The paths each pattern matched, sorted.
  type: dict
  returned: always
units:
  description:
    - Per unit V(load_state), V(active_state), V(sub_state), V(unit_file_state), V(main_pid) and V(active_since) (when
      it last became active, as systemd writes it, or empty).
  type: dict
  returned: always
packages:
  description: Per package its installed version, or null.
  type: dict
  returned: always
users:
  description: Per user V(uid), V(group) (the primary group's name), V(home), V(shell) and V(comment), or null.
  type: dict
  returned: always
groups:
  description: Per group V(gid), or null.
  type: dict
  returned: always
certificates:
  description: Per certificate V(names) (DNS names and IP addresses), V(not_after) (seconds since the epoch) and V(self_signed), or null.
  type: dict
  returned: always
contents:
  description: Per file of O(read) its text, or null.
  type: dict
  returned: always
requirements:
  description: Per file of O(requirements) V(digest), V(files), V(exists), V(missing), V(local) and V(project).
  type: dict
  returned: always
containers:
  description: Per application of O(containers) a list of its containers, each V(name), V(state), V(status) and V(release).
  type: dict
  returned: always
upgrades:
  description: With O(upgrades), V(count) (the packages an upgrade would install) and V(security) (those from a security archive); else null.
  type: dict
  returned: always
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.flaskstack.deploy.plugins.module_utils.host_state import gather


def main():
    module = AnsibleModule(
        argument_spec={
            "paths": {"type": "list", "elements": "path", "default": []},
            "globs": {"type": "list", "elements": "str", "default": []},
            "stat_only": {"type": "list", "elements": "path", "default": []},
            "expect": {"type": "dict", "default": {}, "no_log": True},
            "units": {"type": "list", "elements": "str", "default": []},
            "packages": {"type": "list", "elements": "str", "default": []},
            "users": {"type": "list", "elements": "str", "default": []},
            "groups": {"type": "list", "elements": "str", "default": []},
            "certificates": {"type": "list", "elements": "path", "default": []},
            "read": {"type": "list", "elements": "path", "default": []},
            "requirements": {"type": "list", "elements": "path", "default": []},
            "projects": {"type": "dict", "default": {}},
            "containers": {"type": "list", "elements": "str", "default": []},
            "upgrades": {"type": "bool", "default": False},
        },
        supports_check_mode=True,
    )

    def run(argv):
        return module.run_command(argv, environ_update={"LC_ALL": "C", "SYSTEMD_PAGER": ""})

    module.exit_json(changed=False, **gather(module.params, run))


if __name__ == "__main__":
    main()
