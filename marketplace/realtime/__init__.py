"""Realtime transport: events recorded in the outbox with the change they announce and
pushed after commit (events.py), the WebSocket endpoints that deliver them (consumers.py
for agents, live.py for pages), the per-process fan-out of shared groups (fanout.py)
and the outbox relay of the embedded set-up (relay.py).

It stands just above core: every market publishes through it, so it imports none of
them. Who a socket belongs to and which groups it joins come through core.hooks."""
