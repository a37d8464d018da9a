#!/usr/bin/python
# Copyright: contributors to flaskstack.deploy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Documentation of the action plugin flaskstack.deploy.copy_tree (plugins/action/copy_tree.py)."""

from __future__ import annotations

DOCUMENTATION = r"""
module: copy_tree
author: flaskstack.deploy contributors
version_added: "0.2.0"
short_description: Copy a directory tree from the controller to a host in one transfer
description:
  - Packs a directory tree of the controller into one compressed tar archive, with files and symbolic
    links added and paths left out, streams it to the host and unpacks it there under O(dest). That is one command on
    the host, where M(ansible.builtin.copy) of a directory pays one or more per file.
  - Every file and directory it writes belongs to root; directories get mode 0755, files 0644, or 0755 when
    the file on the controller is executable by its owner. Symbolic links in O(src) are followed.
  - Meant for a new directory, such as a release. It always reports a change, and files already under O(dest)
    are overwritten, not removed.
  - This module runs on the controller (an action plugin) and needs C(tar) on the host.
options:
  src:
    description:
      - The directory on the controller whose tree is copied. A relative path is looked up as
        M(ansible.builtin.copy) does (the role's or the playbook's C(files) directory).
      - Leave it out to write only O(files) and O(links).
    type: path
  dest:
    description: The directory on the host, created if it does not exist.
    type: path
    required: true
  prefix:
    description: The directory under O(dest) where the tree of O(src) goes, for example V(app).
    type: str
    default: ""
  exclude:
    description: Paths relative to O(src) that are left out, with everything under them.
    type: list
    elements: str
    default: []
  files:
    description: Files to write, V(PATH) (relative to O(dest)) to text; one replaces what O(src) has at that path.
    type: dict
    default: {}
  links:
    description:
      - Symbolic links to make, V(PATH) (relative to O(dest)) to the link's target; one replaces what O(src) has
        at that path, a directory with everything in it.
    type: dict
    default: {}
attributes:
  check_mode:
    support: full
    details: Reports the change without making it.
  diff_mode:
    support: none
"""

EXAMPLES = r"""
- name: Copy a release's code, its entry point and its links to the host
  flaskstack.deploy.copy_tree:
    src: /home/me/src/shop
    dest: /srv/flaskstack/shop/releases/0123456789ab
    prefix: app
    exclude: [.git]
    files:
      wsgi/flaskstack_wsgi.py: "{{ lookup('ansible.builtin.template', 'flaskstack_wsgi.py.j2') }}"
    links:
      app/instance: /srv/flaskstack/shop/shared/instance
      venv: ../../envs/fedcba987654
"""

RETURN = r"""
dest:
  description: The directory written to.
  type: str
  returned: always
size:
  description: The size in bytes of the compressed archive sent.
  type: int
  returned: always
"""
