"""gunicorn's own logs with invitation tokens and join codes masked.

gunicorn writes its access log (and its error log, which names the request
when a worker fails) itself, outside Django's LOGGING. Started with
``--logger-class alliancelens.accesslog.MaskedLogger`` it puts the same
filter as Django's handlers (``logmask.MaskTokens``) on both, so an access
log line reads ``"GET /r/Ab3x…/intro/ HTTP/1.1" 200`` (docs/deployment.md).
"""

from __future__ import annotations

from typing import Any

from gunicorn.glogging import Logger  # type: ignore[import-untyped]

from alliancelens.logmask import MaskTokens


class MaskedLogger(Logger):
    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            if not any(isinstance(f, MaskTokens) for f in log.filters):
                log.addFilter(MaskTokens())
