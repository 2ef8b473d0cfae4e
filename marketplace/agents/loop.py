"""The loop every agent runs: an event from `/ws/events/` makes it act at once, and a
reconcile every `poll_seconds` catches up on what events missed (a dropped connection,
a push lost with its server). The server's state is the truth; events only make an
agent react sooner."""

import logging
import queue
import threading
import time
from abc import ABC, abstractmethod

from .client import ApiError, Client
from .onnx_runner import Sandbox


class EventLoopAgent(ABC):
    """An agent's life: `start` (register), then `handle` each event and `reconcile`
    every `poll_seconds`, until stopped. Each agent fills in those three hooks."""

    client: Client
    sandbox: Sandbox  # runs the buyers' ONNX models
    poll_seconds: float
    log: logging.Logger

    @abstractmethod
    def start(self, stop: threading.Event) -> bool:
        """Get ready to work (register); False if stopped before that."""

    @abstractmethod
    def handle(self, event: dict) -> None:
        """Act on one event of `/ws/events/`."""

    @abstractmethod
    def reconcile(self) -> None:
        """Catch up with the server's state: do whatever is waiting for this agent."""

    def run(self, stop: threading.Event) -> None:
        if not self.start(stop):
            return
        self.sandbox.start()
        listener = self.client.listen(stop=stop)
        next_poll = time.monotonic() + self.poll_seconds
        while not stop.is_set():
            try:
                event = listener.events.get(timeout=1)
            except queue.Empty:
                event = None
            try:
                if event is not None:
                    self.handle(event)
                # Also while events keep coming: a busy stream must not starve the poll.
                if time.monotonic() >= next_poll:
                    self.reconcile()
                    next_poll = time.monotonic() + self.poll_seconds
            except ApiError as exc:
                # One failed step must not stop the agent: the next reconcile retries it.
                self.log.error("step failed: %s", exc)
        self.sandbox.close()
