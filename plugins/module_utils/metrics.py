# Copyright: contributors to flaskstack.deploy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The host's metrics exporter (roles/app/files/metrics_exporter.py): its
settings, and the firewall rules that keep it to the sources the user lists.

Each application's WSGI entry point counts its requests (flaskstack_metrics.py
in every release) and answers them, at the layout's metrics_path, to whoever
shows the application's token; the exporter asks every application through the
web server on loopback, as the health gate does, and answers them merged.
"""

from __future__ import annotations

import ipaddress

LISTEN = "127.0.0.1"
# The nftables table of the exporter's rules (loaded before it listens on an address that is not loopback).
GUARD_TABLE = "flaskstack_metrics"


class MetricsError(ValueError):
    """Settings of the metrics that cannot work (the message says why)."""


def _port(port):
    if isinstance(port, bool) or not isinstance(port, int) and not str(port).isdigit() or not 1 <= int(port) <= 65535:
        raise MetricsError(f"app_metrics_port: a TCP port (1 to 65535) is needed, not {port!r}.")
    return int(port)


def _networks(allow):
    if isinstance(allow, (str, bytes)) or not isinstance(allow, (list, tuple)):
        raise MetricsError(f"app_metrics_allow: a list of addresses or networks is needed, not {allow!r}.")
    out = []
    for entry in allow:
        try:
            out.append(ipaddress.ip_network(str(entry), strict=False))
        except ValueError:
            raise MetricsError(f"app_metrics_allow: {entry!r} is not an IP address or network (such as 192.0.2.10 or 10.0.0.0/24).") from None
    return out


def exporter_settings(apps, port, listen=LISTEN, allow=(), timeout=5):
    """The exporter's settings file (JSON) from the applications' layouts: where
    it listens, which sources may scrape it ("allow"; "guarded" when rules
    must keep everyone else out) and what it asks each application."""
    port = _port(port)
    try:
        address = ipaddress.ip_address(str(listen))
    except ValueError:
        raise MetricsError(f"app_metrics_listen: an IP address of the host is needed (127.0.0.1, or one a monitoring host reaches), not {listen!r}.") from None
    networks = _networks(allow)
    if not address.is_loopback and not networks:
        raise MetricsError(
            f"app_metrics_listen: {listen} is not a loopback address, and app_metrics_allow names no source: list the "
            "monitoring hosts that may scrape the metrics (addresses or networks); no list would open them to every network the host is on."
        )
    return {
        "listen": str(address),
        "port": port,
        "timeout": timeout,
        "allow": [str(n) for n in networks],
        "guarded": not address.is_loopback,
        "guard_table": GUARD_TABLE,
        "apps": [{"name": a["name"], "url": a["metrics_url"], "host": a["health_host"], "token_file": a["metrics_token_file"]} for a in apps],
    }


def guard_rules(settings):
    """The nftables rules (one table, replaced whole) that let only the listed
    sources, and the host itself, reach the exporter's port; any other gets a
    TCP reset."""
    v4 = [n for n in settings["allow"] if ipaddress.ip_network(n).version == 4]
    v6 = [n for n in settings["allow"] if ipaddress.ip_network(n).version == 6]
    port = settings["port"]
    lines = [
        f"table inet {GUARD_TABLE}",
        f"delete table inet {GUARD_TABLE}",
        f"table inet {GUARD_TABLE} {{",
        "    chain input {",
        "        type filter hook input priority filter; policy accept;",
        f'        iifname "lo" tcp dport {port} accept',
    ]
    if v4:
        lines.append(f"        ip saddr {{ {', '.join(v4)} }} tcp dport {port} accept")
    if v6:
        lines.append(f"        ip6 saddr {{ {', '.join(v6)} }} tcp dport {port} accept")
    lines += [f"        tcp dport {port} reject with tcp reset", "    }", "}"]
    return "\n".join(lines) + "\n"
