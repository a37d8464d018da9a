"""A bounded load generator that runs inside the lab host (standard library only).

Several clients request a page in a loop, each request on a new connection,
one requests the health path the same way, and two clients keep a slow
request in flight all the time: every path a user or a monitor asks for. It stops when the
stop file appears, after --duration seconds or after --max-requests requests,
whichever comes first, and writes what it saw as JSON to --out.
"""

import argparse
import http.client
import json
import os
import re
import socket
import ssl
import threading
import time

VERSION_RE = re.compile(r"\b(\d+\.\d+\.\d+)\b")


# One TLS context for every request: it trusts nothing and checks nothing (the
# load only counts answers), and loading CA certificates for each new context
# would cost more CPU than the requests themselves.
_TLS = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
_TLS.check_hostname = False
_TLS.verify_mode = ssl.CERT_NONE


class _HTTPSToLoopback(http.client.HTTPSConnection):
    """HTTPS to 127.0.0.1 with the application's name in SNI."""

    def __init__(self, port, server_name, timeout):
        super().__init__("127.0.0.1", port, timeout=timeout, context=_TLS)
        self._server_name = server_name

    def connect(self):
        sock = socket.create_connection((self.host, self.port), self.timeout)
        self.sock = _TLS.wrap_socket(sock, server_hostname=self._server_name)


def request(port, host, path, timeout, tls=False):
    """One GET on a new connection: (status, body) or (None, error text)."""
    if tls:
        conn = _HTTPSToLoopback(port, host, timeout)
    else:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Host": host, "Connection": "close"})
        response = conn.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    except OSError as exc:
        return None, f"{type(exc).__name__}: {exc}"
    finally:
        conn.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=80)
    parser.add_argument("--host", required=True)
    parser.add_argument("--tls", action="store_true", help="HTTPS, with --host in SNI")
    parser.add_argument("--path", default="/")
    parser.add_argument("--slow-path", default="/slow", help="a path that answers after ?seconds=N")
    parser.add_argument("--slow-seconds", type=float, default=4.0)
    parser.add_argument("--health-path", default="", help="also request this path, in a loop (one client)")
    parser.add_argument("--clients", type=int, default=4)
    # Each client (page or health) waits this long between requests: the rate
    # of the load, which tests/integration/stacklib.py's Load sets for all the
    # applications together.
    parser.add_argument("--pause", type=float, default=0.1)
    parser.add_argument("--timeout", type=float, default=75, help="seconds a page or health request may wait for its answer")
    parser.add_argument("--duration", type=float, default=300)
    parser.add_argument("--max-requests", type=int, default=50000)
    parser.add_argument("--finish-slow", action="store_true", help="count the slow requests in flight when the load stops, once they end")
    parser.add_argument("--stop-file", required=True)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    started = time.monotonic()
    lock = threading.Lock()
    fast = []  # (t_end, status, version)
    health = []  # (t_end, status, version)
    slow = []  # (t_start, t_end, status, version)
    errors = []
    slowest = [0.0]  # the longest wait for a page or health answer, in seconds

    def running():
        return (
            not os.path.exists(args.stop_file)
            and time.monotonic() - started < args.duration
            and len(fast) + len(health) + len(slow) < args.max_requests
        )

    def record_error(status, body):
        with lock:
            if len(errors) < 20:
                errors.append(f"{status}: {body[:200]}")

    def fast_client(path=args.path, seen=fast):
        while running():
            t0 = time.monotonic()
            # Longer than the web servers' own wait for the application (60 s by
            # default): a request fails when the stack answers it with an error or
            # not at all, not because this client gave up first on a busy machine.
            status, body = request(args.port, args.host, path, args.timeout, args.tls)
            with lock:
                slowest[0] = max(slowest[0], time.monotonic() - t0)
            match = VERSION_RE.search(body) if status == 200 else None
            with lock:
                seen.append((time.monotonic() - started, status, match.group(1) if match else None))
            if status != 200:
                record_error(status, body)
            time.sleep(args.pause)

    def slow_client(offset):
        time.sleep(offset)
        while running():
            t0 = time.monotonic() - started
            status, body = request(args.port, args.host, f"{args.slow_path}?seconds={args.slow_seconds:g}", args.timeout + args.slow_seconds, args.tls)
            version = json.loads(body).get("version") if status == 200 else None
            with lock:
                slow.append((t0, time.monotonic() - started, status, version))
            if status != 200:
                record_error(status, body)

    threads = [threading.Thread(target=fast_client) for _ in range(args.clients)]
    if args.health_path:
        threads.append(threading.Thread(target=fast_client, args=(args.health_path, health)))
    # The slow clients' last requests, in flight when the load stops, are left
    # unfinished (not counted) unless --finish-slow: the step they measured is
    # over. The two clients are half a request apart, so that one request is
    # always well into its time.
    slow_threads = [
        threading.Thread(target=slow_client, args=(offset,), daemon=not args.finish_slow) for offset in (0, args.slow_seconds / 2)
    ]
    for thread in threads + slow_threads:
        thread.start()
    for thread in threads + (slow_threads if args.finish_slow else []):
        thread.join()

    with lock:
        fast_seen, health_seen, slow_seen, errors_seen = sorted(fast), sorted(health), list(slow), list(errors)
    result = {
        "sent": len(fast_seen) + len(health_seen) + len(slow_seen),
        "failed": sum(1 for r in fast_seen + health_seen if r[1] != 200) + sum(1 for r in slow_seen if r[2] != 200),
        "failed_health": sum(1 for r in health_seen if r[1] != 200),
        "fast": fast_seen,
        "health": health_seen,
        "slow": slow_seen,
        "errors": errors_seen,
        "seconds": round(time.monotonic() - started, 1),
        "slowest": round(slowest[0], 2),
    }
    with open(args.out + ".tmp", "w", encoding="utf-8") as handle:
        json.dump(result, handle)
    os.replace(args.out + ".tmp", args.out)


if __name__ == "__main__":
    main()
