"""Swoop: a chat-native data assistant (platform-neutral core)."""

__version__ = "0.1.0"
