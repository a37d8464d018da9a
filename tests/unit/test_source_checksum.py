"""Unit tests for the source_checksum lookup: what makes two trees the same release."""

import importlib.util
import os
import pathlib

import pytest

_SPEC = importlib.util.spec_from_file_location(
    "flaskstack_source_checksum",
    pathlib.Path(__file__).resolve().parents[2] / "plugins" / "lookup" / "source_checksum.py",
)
source_checksum = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(source_checksum)
digest = source_checksum.tree_digest


@pytest.fixture
def tree(tmp_path):
    root = tmp_path / "src"
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "__init__.py").write_text("VERSION = 1\n")
    (root / "requirements.txt").write_text("flask\n")
    return root


def test_same_tree_same_digest_wherever_it_lies(tree, tmp_path):
    copy = tmp_path / "elsewhere"
    (copy / "pkg").mkdir(parents=True)
    (copy / "pkg" / "__init__.py").write_text("VERSION = 1\n")
    (copy / "requirements.txt").write_text("flask\n")
    assert digest(str(tree)) == digest(str(copy))
    assert len(digest(str(tree))) == 64


@pytest.mark.parametrize(
    "change",
    [
        lambda root: (root / "pkg" / "__init__.py").write_text("VERSION = 2\n"),
        lambda root: (root / "pkg" / "__init__.py").rename(root / "pkg" / "main.py"),
        lambda root: (root / "pkg" / "new.py").write_text(""),
        lambda root: (root / "empty").mkdir(),
        lambda root: os.chmod(root / "requirements.txt", 0o755),
    ],
)
def test_any_change_gives_another_digest(tree, change):
    before = digest(str(tree))
    change(tree)
    assert digest(str(tree)) != before


def test_a_missing_directory_is_an_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        digest(str(tmp_path / "missing"))
