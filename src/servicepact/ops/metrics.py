"""``/metrics``: Prometheus text format (docs/deployment.md, "Metrics").

Two kinds of series:

- Request counts and latencies, recorded by ``MetricsMiddleware`` per route name (the URL
  pattern's name, never the raw path, so ids do not explode the series), method and status.
  Under gunicorn every worker process writes them to ``PROMETHEUS_MULTIPROC_DIR`` (``serve``
  sets one up) and the scrape sums all workers; without it (``runserver``, tests) they live in
  this process.
- ServicePact's own gauges, computed at scrape time by a few indexed queries
  (``ops.gauges``).

Access (``metrics_allowed``): a request with ``Authorization: Bearer <METRICS_TOKEN>`` is let
in; without a token header, a request whose address is in ``METRICS_ALLOW`` (CIDRs, default
loopback only) and that did not come through a proxy (no ``X-Forwarded-For``); everyone else
gets 403.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import time
from collections.abc import Callable, Iterable, Iterator

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
)
from prometheus_client.exposition import choose_encoder
from prometheus_client.metrics_core import Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from servicepact.core.config import option
from servicepact.ops.gauges import ServicePactCollector

DEFAULT_ALLOW = ("127.0.0.1/32", "::1/128")
METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

disable_created_metrics()  # no ``*_created`` series: they double the output for nothing

# registry=None: not in prometheus_client's global registry; the scrape view assembles its own.
REQUESTS = Counter(
    "servicepact_http_requests",
    "HTTP requests answered, by route name, method and status.",
    ["route", "method", "status"],
    registry=None,
)
LATENCY = Histogram(
    "servicepact_http_request_duration_seconds",
    "Time from the request entering Django to the response leaving it.",
    ["route", "method", "status"],
    buckets=LATENCY_BUCKETS,
    registry=None,
)


def route_label(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    if match is not None:
        return match.view_name or match.route or "unnamed"
    if request.path.startswith(settings.STATIC_URL):
        return "static"
    return "unmatched"


class MetricsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        labels = (
            route_label(request),
            request.method if request.method in METHODS else "other",
            str(response.status_code),
        )
        REQUESTS.labels(*labels).inc()
        LATENCY.labels(*labels).observe(time.perf_counter() - started)
        return response


class _Local(Collector):
    """This process's request metrics (when not in multiprocess mode)."""

    def collect(self) -> Iterable[Metric]:
        yield from REQUESTS.collect()
        yield from LATENCY.collect()


def _networks() -> Iterator[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    for cidr in option("METRICS_ALLOW", None) or DEFAULT_ALLOW:
        yield ipaddress.ip_network(cidr, strict=False)


def metrics_allowed(request: HttpRequest) -> bool:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if header:
        token = option("METRICS_TOKEN", "") or ""
        scheme, _, given = header.partition(" ")
        return bool(token) and scheme.lower() == "bearer" and hmac.compare_digest(given, token)
    if "HTTP_X_FORWARDED_FOR" in request.META:
        # Through a proxy, REMOTE_ADDR is the proxy's (often 127.0.0.1): only a token counts.
        return False
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in network for network in _networks())


def render_metrics(accept: str = "") -> tuple[bytes, str]:
    """The scrape body and its content type (OpenMetrics when the scraper asks for it)."""
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)
    else:
        registry.register(_Local())
    registry.register(ServicePactCollector())
    encoder, content_type = choose_encoder(accept)
    return encoder(registry), content_type


@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    if not metrics_allowed(request):
        return HttpResponse(
            "metrics: a bearer token or an allow-listed address is required\n",
            status=403,
            content_type="text/plain",
        )
    body, content_type = render_metrics(request.headers.get("Accept", ""))
    return HttpResponse(body, content_type=content_type)
