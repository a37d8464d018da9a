# Copyright: contributors to flaskstack.deploy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of flaskstack.deploy.copy_tree (documented in plugins/modules/copy_tree.py)."""

from __future__ import annotations

import shlex

from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.text.converters import to_text
from ansible.plugins.action import ActionBase
from ansible_collections.flaskstack.deploy.plugins.module_utils import tree_archive

ARGUMENT_SPEC = {
    "src": {"type": "path"},
    "dest": {"type": "path", "required": True},
    "prefix": {"type": "str", "default": ""},
    "exclude": {"type": "list", "elements": "str", "default": []},
    "files": {"type": "dict", "default": {}},
    "links": {"type": "dict", "default": {}},
}


class ActionModule(ActionBase):
    """Pack the tree on the controller, stream it to the host and unpack it there: one command."""

    TRANSFERS_FILES = True

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp
        _, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        src = args["src"]
        if src is not None:
            src = self._find_needle("files", src)
        if not args["dest"].startswith("/"):
            raise AnsibleActionFail(f"dest must be an absolute path on the host, not {args['dest']!r}")
        try:
            data = tree_archive.build(
                src=src,
                prefix=args["prefix"],
                exclude=args["exclude"],
                files={str(k): to_text(v) for k, v in args["files"].items()},
                links={str(k): to_text(v) for k, v in args["links"].items()},
            )
        except (OSError, ValueError) as exc:
            raise AnsibleActionFail(f"copy_tree: {exc}") from exc
        result.update(changed=True, dest=args["dest"], size=len(data))
        if self._task.check_mode:
            return result
        dest = shlex.quote(args["dest"])
        # As root, tar gives every entry the owner and mode the archive names (root, 0755/0644).
        command = f"mkdir -p -- {dest} && tar --extract --gzip --no-same-owner --file - --directory {dest}"
        ran = self._low_level_execute_command(command, in_data=data)
        if ran["rc"] != 0:
            raise AnsibleActionFail(f"copy_tree: unpacking into {args['dest']} failed: {to_text(ran['stderr']).strip()}")
        return result
