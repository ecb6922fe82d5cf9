"""gunicorn reads this file from the directory it starts in (the checkout; the image's WORKDIR):
with LOG_FORMAT=json its own lines (starting, workers booting, a worker timed out) are JSON lines
like the site's (mentormatch.logs), so that one log pipeline reads both. Otherwise its defaults."""

import os

from mentormatch.logs import logging_config

if os.environ.get("LOG_FORMAT", "").strip().lower() == "json":
    logconfig_dict = logging_config("json", os.environ.get("LOG_LEVEL", "INFO"))
    # gunicorn gives its loggers handlers of its own; named here, they write through the site's.
    for name in ("gunicorn.error", "gunicorn.access"):
        logconfig_dict["loggers"][name] = {
            "handlers": ["console"],
            "level": "INFO",
            "propagate": False,
        }
