"""The unit tests import the collection as Ansible does, as ansible_collections.flaskstack.deploy."""

import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "collections"))
