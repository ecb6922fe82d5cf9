"""What the benchmarks share: the production-like environment and how they start gunicorn."""

import subprocess
import sys
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
