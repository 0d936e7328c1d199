"""Loopback fakes of the Slack and Discord APIs for the end-to-end tests."""
