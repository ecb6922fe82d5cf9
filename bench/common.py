"""What the benchmarks share: the production-like environment and how they start gunicorn."""

import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# DEBUG off, as in production; no HTTPS redirect (loopback only); quiet logs.
PROD_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "benchmark-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "SECURE_SSL_REDIRECT": "0",
    "LOG_LEVEL": "WARNING",
}


def start_gunicorn(env, port, workers, *extra, **popen):
    """gunicorn serving the site on 127.0.0.1:port in its own process group (stop it with
    os.killpg), without gunicorn's control socket (two instances on one host would share one)."""
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "mentormatch.wsgi",
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--no-control-socket",
            "--log-level",
            "warning",
            *extra,
        ],  # fmt: skip
        cwd=ROOT,
        env=env,
        start_new_session=True,
        **popen,
    )


def wrk_throughput(env, port, workers, path, cookie, seconds, *, warm_per_worker=4):
    """Requests/s of one page under gunicorn (`workers` on 127.0.0.1:port) with `wrk -t2 -c16`,
    signed in by the session `cookie`, after each worker has answered a few (its first look at the
    search index, its templates). Non-2xx/3xx answers are counted as errors."""
    if not shutil.which("wrk"):
        return {"error": "wrk is not installed (apt-get install wrk)"}
    server = start_gunicorn(env, port, workers)
    try:
        url = f"http://127.0.0.1:{port}{path}"
        request = urllib.request.Request(url, headers={"Cookie": f"sessionid={cookie}"})
        deadline = time.monotonic() + 120
        warmed = 0
        while warmed < warm_per_worker * workers and time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(request, timeout=60) as response:
                    assert response.status == 200
                    warmed += 1
            except OSError:
                time.sleep(0.3)
        out = subprocess.run(
            ["wrk", "-t2", "-c16", f"-d{seconds}s", "--latency",
             "-H", f"Cookie: sessionid={cookie}", url],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
        return {
            "path": path,
            "workers": workers,
            "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
            "p50": re.search(r"50%\s+([\d.]+\w+)", out).group(1),
            "p99": re.search(r"99%\s+([\d.]+\w+)", out).group(1),
            "errors": int(non_2xx.group(1)) if non_2xx else 0,
        }
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
