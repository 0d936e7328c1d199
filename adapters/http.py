"""The HTTP server of ``swoop run``: ``/healthz``, ``/metrics`` and, in Slack HTTP mode,
``/slack/events`` (added by the Slack adapter). aiohttp, one application, typed app keys."""

from __future__ import annotations

from aiohttp import web

from bot.processor import QueryProcessor

PROCESSOR = web.AppKey("processor", QueryProcessor)
METRIC_PREFIX = "swoop_"


async def healthz(request: web.Request) -> web.Response:
    """200 with the health report when the data source and the state store answer, else 503."""
    report = await request.app[PROCESSOR].health_check_async()
    return web.json_response(report, status=200 if report["status"] == "ok" else 503)


async def metrics(request: web.Request) -> web.Response:
    """The processor's metrics in Prometheus' text format."""
    snapshot = request.app[PROCESSOR].metrics.snapshot()
    lines = []
    for name in ("total_queries", "successful_queries", "failed_queries"):
        lines += [
            f"# TYPE {METRIC_PREFIX}{name} counter",
            f"{METRIC_PREFIX}{name} {snapshot[name]}",
        ]
    lines.append(f"# TYPE {METRIC_PREFIX}errors counter")
    for error_type, count in sorted(snapshot["errors_by_type"].items()):
        lines.append(f'{METRIC_PREFIX}errors{{type="{error_type}"}} {count}')
    for name in ("average_ms", "p50_ms", "p95_ms"):
        lines += [
            f"# TYPE {METRIC_PREFIX}latency_{name} gauge",
            f"{METRIC_PREFIX}latency_{name} {snapshot[name]}",
        ]
    return web.Response(text="\n".join(lines) + "\n", content_type="text/plain")


def build_http_app(processor: QueryProcessor) -> web.Application:
    app = web.Application()
    app[PROCESSOR] = processor
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
    return app


async def start_http_async(app: web.Application, host: str, port: int) -> web.AppRunner:
    """Serve ``app`` on ``host:port``; clean up with ``await runner.cleanup()``."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner
