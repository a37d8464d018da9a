# Copyright: contributors to flaskstack.deploy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters that read the result of flaskstack.deploy.stack_info: what a task would change."""

from __future__ import annotations

import posixpath

from ansible_collections.flaskstack.deploy.plugins.module_utils import host_state


def on_host(items, state, key):
    """The items (dictionaries) whose path item[key] exists on the host."""
    return [item for item in items if host_state.exists(state, item[key])]


def not_on_host(items, state, key):
    """The items (dictionaries) whose path item[key] does not exist on the host."""
    return [item for item in items if not host_state.exists(state, item[key])]


def link_target(path, state):
    """The target of the link at path, or "" when there is none."""
    return host_state.link_target(state, path)


def globbed(state, patterns):
    """The paths stack_info found for glob patterns (one or a list), each its
    stat dictionary with "path" added, sorted by path."""
    patterns = [patterns] if isinstance(patterns, str) else list(patterns)
    found = ((state or {}).get("globs") or {})
    paths = ((state or {}).get("paths") or {})
    names = sorted({p for pattern in patterns for p in found.get(pattern, [])})
    return [dict(paths.get(p, {}), path=p) for p in names]


def resolved_links(state, links):
    """The absolute paths the links point at (relative targets joined to the
    link's directory), for the links stack_info found."""
    out = []
    for link in links:
        target = host_state.link_target(state, link)
        if target:
            out.append(posixpath.normpath(posixpath.join(posixpath.dirname(link), target)))
    return out


def path_exists(state, path):
    """Whether stack_info found the path."""
    return host_state.exists(state, path)


class FilterModule:
    """flaskstack.deploy filters on the host's state."""

    def filters(self):
        return {
            "path_differs": host_state.path_differs,
            "fields_differ": host_state.fields_differ,
            "on_host": on_host,
            "not_on_host": not_on_host,
            "link_target": link_target,
            "globbed": globbed,
            "path_exists": path_exists,
            "resolved_links": resolved_links,
        }
