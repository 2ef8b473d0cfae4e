"""Bench-only settings for `BENCH_LAYER=pubsub bench/push_latency.py`: the product's
settings with channels-redis's Pub/Sub layer (a group_send is one PUBLISH per group,
fanned out in each server process's memory) instead of RedisChannelLayer. An experiment
to compare fan-out, never used by the product."""

from polkamesh_web.settings import *  # noqa: F403
from polkamesh_web.settings import REDIS_URL

if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL]},
        }
    }
