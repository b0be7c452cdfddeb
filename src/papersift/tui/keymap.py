"""Deprecated name of `papersift.tui.config` (the config-file reader), kept while
tui/app.py still imports it from here."""

from papersift.tui.config import UiConfig, load_config, unknown_ids

__all__ = ["UiConfig", "load_config", "unknown_ids"]
