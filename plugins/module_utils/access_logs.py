# Copyright: contributors to flaskstack.deploy
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The web servers' access logs of the applications, the same whichever web
server writes them: one JSON object a line with the same fields, the request ID
the front web server makes (or takes from a trusted source) and passes to the
application as X-Request-ID, and the logrotate rule of the files.

The web server roles read it through the filter flaskstack.deploy.access_logs;
the tests read the field names and the pattern from here.
"""

from __future__ import annotations

import ipaddress

from ansible_collections.flaskstack.deploy.plugins.module_utils import layout, pairings

# The header that carries the request ID to the application, back to the
# client, and in from a trusted proxy.
HEADER = "X-Request-ID"
# A request ID taken from a trusted source: anything else (or nothing) and the
# web server makes its own. Letters, digits and ._:- only, so that it needs no
# escaping in any log.
REQUEST_ID_PATTERN = r"[A-Za-z0-9._:-]{1,128}"
# The fields of a line, in this order, whichever web server writes it.
FIELDS = (
    "time", "request_id", "remote_addr", "host", "method", "uri", "protocol",
    "status", "bytes", "request_time_ms", "referer", "user_agent",
)  # fmt: skip
# Fields that are JSON numbers (the others are strings).
NUMBERS = ("status", "bytes", "request_time_ms")
# How each web server makes its log files be opened again after logrotate moved
# them, given its unit (lines written meanwhile go to the moved file, which
# stays uncompressed until the next rotation: none is lost).
REOPEN = {
    "nginx": "systemctl kill --kill-whom=main --signal=USR1 {unit}",
    "apache": "systemctl reload {unit}",
}
LOGROTATE = "/etc/logrotate.d/flaskstack-{web_server}"


def trusted_sources(sources, variable="flaskstack_request_id_from"):
    """The networks (CIDR) whose X-Request-ID the web server keeps, normalised;
    ValueError naming the first entry that is not an address or a network."""
    networks = []
    for source in sources or []:
        try:
            networks.append(str(ipaddress.ip_network(str(source), strict=False)))
        except ValueError:
            raise ValueError(f"{variable}: {source!r} is not an IP address or network (such as 10.0.0.0/8)") from None
    return networks


def logrotate(web_server, days):
    """The logrotate rule of the applications' access logs that web_server writes."""
    if web_server not in REOPEN:
        raise ValueError(f"no access logs for the web server {web_server!r}")
    unit = pairings.WEB_SERVERS[web_server]["unit"]
    days = int(days)
    if days < 1:
        raise ValueError(f"the access logs are kept {days} days: at least 1")
    return (
        f"{layout.LOG_DIR}/*.access.log {{\n"
        "    daily\n"
        f"    rotate {days}\n"
        "    missingok\n"
        "    notifempty\n"
        "    compress\n"
        "    delaycompress\n"
        "    create 0640 root adm\n"
        "    sharedscripts\n"
        "    postrotate\n"
        f"        if systemctl is-active --quiet {unit}; then {REOPEN[web_server].format(unit=unit)}; fi\n"
        "    endscript\n"
        "}\n"
    )


def settings(web_server, days, sources, variable="flaskstack_request_id_from"):
    """What a web server role writes of the access logs."""
    return {
        "dir": layout.LOG_DIR,
        "header": HEADER,
        "pattern": REQUEST_ID_PATTERN,
        "fields": list(FIELDS),
        "numbers": list(NUMBERS),
        "trusted": trusted_sources(sources, variable),
        "logrotate_path": LOGROTATE.format(web_server=web_server),
        "logrotate": logrotate(web_server, days),
    }
