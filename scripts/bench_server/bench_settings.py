"""The product's settings plus one bare view, for scripts/bench_save.py only."""

from alliancelens.settings import *  # noqa: F403

ROOT_URLCONF = "bench_urls"
