"""Conversation plumbing of the QueryProcessor: classification, context, metrics, feedback stats."""
