"""Surfaces of Swoop: each translates platform events into core calls and renders responses."""
