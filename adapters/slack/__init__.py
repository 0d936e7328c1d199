"""Swoop on Slack (slack-bolt ``AsyncApp``): HTTP Events API or Socket Mode.

``SlackAdapter(processor, settings)`` gives ``http_routes()`` for ``/slack/events`` on the HTTP
server of ``swoop run``, or ``start_socket_mode_async()`` when ``SLACK_APP_TOKEN`` is set, and
``close_async()``. Parsing lives in ``events``, rendering (and Slack's limits) in ``render``.
"""

from adapters.slack.adapter import COMMAND, EVENT_TYPES, EVENTS_PATH, SlackAdapter

__all__ = ["COMMAND", "EVENTS_PATH", "EVENT_TYPES", "SlackAdapter"]
