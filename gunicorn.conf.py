"""gunicorn settings: threaded workers, no preload (each worker opens its own pool after fork),
metrics shared across workers. Each request is logged once, by the app (JSON, with request id,
user, status and duration); GUNICORN_ACCESS_LOG=- adds gunicorn's own JSON access line."""

import os
import tempfile

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
preload_app = False
timeout = 30
graceful_timeout = 20
keepalive = 5
# Request lines and headers have bounded sizes; bodies are bounded by the app (413).
limit_request_line = 8190
limit_request_fields = 100
# Two instances on one host must not collide on the control socket.
control_socket_disable = True

accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
access_log_format = (
    '{"time":"%(t)s","logger":"gunicorn.access","request_id":"%({x-request-id}o)s",'
    '"method":"%(m)s","path":"%(U)s","status":%(s)s,"bytes":"%(B)s","duration_us":%(D)s}'
)
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info")

if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="innoledger-metrics-")


def post_worker_init(worker):
    # The application is built (no preload: in each worker, after fork): its objects live as
    # long as the worker; freezing them keeps full collections from walking them on every
    # request path (see service/heap.py).
    from service.heap import freeze_start_up_heap

    freeze_start_up_heap()


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
