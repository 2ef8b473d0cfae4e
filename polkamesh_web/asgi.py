import gc
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "polkamesh_web.settings")
# Django must be set up before the routing imports models.
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter  # noqa: E402

from polkamesh_web.access_log import AccessLog  # noqa: E402
from polkamesh_web.routing import websocket_application  # noqa: E402

application = ProtocolTypeRouter(
    {"http": AccessLog(django_asgi_app), "websocket": websocket_application}
)

# A full garbage collection pauses every socket of the process (a broadcast to 1,000
# sockets waited ≈ 0.3 s behind one, docs/BENCHMARKS.md "Push latency"): what exists
# after start-up (Django, the URL and template machinery) lives as long as the process,
# so it moves to the permanent generation and full collections scan only what came since.
gc.collect()
gc.freeze()
