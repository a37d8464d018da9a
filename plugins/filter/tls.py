# Copyright: contributors to flaskstack.deploy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The self_signed_due filter (the logic is in module_utils/tls.py)."""

from __future__ import annotations

from ansible_collections.flaskstack.deploy.plugins.module_utils import tls


class FilterModule:
    """flaskstack.deploy certificate filter."""

    def filters(self):
        return {"self_signed_due": tls.self_signed_due}
