"""Unit tests for the archive copy_tree sends (module_utils/tree_archive.py), unpacked with tar."""

import io
import os
import subprocess
import tarfile

import pytest
from ansible_collections.flaskstack.deploy.plugins.module_utils import tree_archive


@pytest.fixture
def source(tmp_path):
    root = tmp_path / "src"
    (root / "demo" / "static").mkdir(parents=True)
    (root / "demo" / "__init__.py").write_text("x = 1\n")
    (root / "demo" / "static" / "a.css").write_text("a{}\n")
    (root / "run.sh").write_text("#!/bin/sh\n")
    os.chmod(root / "run.sh", 0o700)
    (root / "instance").mkdir()
    (root / "instance" / "dev.db").write_text("local data\n")
    (root / ".git").mkdir()
    (root / ".git" / "HEAD").write_text("ref\n")
    return root


def unpack(data, tmp_path):
    dest = tmp_path / "dest"
    dest.mkdir()
    subprocess.run(["tar", "--extract", "--gzip", "--file", "-", "--directory", str(dest)], input=data, check=True)
    return dest


def test_the_tree_with_files_and_links_added(source, tmp_path):
    data = tree_archive.build(
        src=str(source), prefix="app", exclude=[".git"],
        files={"wsgi/flaskstack_wsgi.py": "application = None\n"},
        links={"venv": "../../envs/abc", "app/instance": "/srv/flaskstack/demo/shared/instance"},
    )  # fmt: skip
    dest = unpack(data, tmp_path)
    assert (dest / "app" / "demo" / "__init__.py").read_text() == "x = 1\n"
    assert (dest / "app" / "demo" / "static" / "a.css").exists()
    assert not (dest / "app" / ".git").exists()
    assert (dest / "wsgi" / "flaskstack_wsgi.py").read_text() == "application = None\n"
    assert os.readlink(dest / "venv") == "../../envs/abc"
    # A link replaces the directory of the code at its path, with what is in it.
    assert os.readlink(dest / "app" / "instance") == "/srv/flaskstack/demo/shared/instance"
    assert oct(os.stat(dest / "app" / "run.sh").st_mode & 0o777) == "0o755"
    assert oct(os.stat(dest / "app" / "demo" / "__init__.py").st_mode & 0o777) == "0o644"
    assert oct(os.stat(dest / "app" / "demo").st_mode & 0o777) == "0o755"
    with tarfile.open(fileobj=io.BytesIO(data)) as archive:
        assert {(m.uid, m.gid, m.uname) for m in archive.getmembers()} == {(0, 0, "root")}


def test_only_files_and_links(tmp_path):
    dest = unpack(tree_archive.build(files={"pip.conf": "[global]\n"}), tmp_path)
    assert (dest / "pip.conf").read_text() == "[global]\n"


@pytest.mark.parametrize("bad", ["../x", "/..", ".", ""])
def test_paths_outside_the_tree_are_refused(bad):
    with pytest.raises(ValueError, match="inside the tree"):
        tree_archive.build(files={bad: "x"})


def test_a_missing_source_is_an_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        tree_archive.build(src=str(tmp_path / "nothing"))
