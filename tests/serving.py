"""The app on a real port: Werkzeug's threaded server in a background thread (browser tests,
the SQLite concurrency test)."""
from __future__ import annotations

import threading
from contextlib import contextmanager


@contextmanager
def threaded_server(app):
    """Yield the port of a threaded HTTP server for `app`; shut it down afterwards."""
    from werkzeug.serving import WSGIRequestHandler, make_server

    class QuietHandler(WSGIRequestHandler):
        def log_request(self, *args, **kwargs):
            pass

    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="test-server", daemon=True)
    thread.start()
    try:
        yield server.server_port
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
