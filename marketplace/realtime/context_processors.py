import time


def live(request):
    """The page's render time for `/ws/live/?since=` (live.py): the socket replays what
    changed between the render and its connection."""
    return {"live_since": int(time.time() * 1000)}
