"""The sample golf & country club database and its semantic model (DESIGN.md, "Sample database")."""

from bot.sample.generator import SampleSummary, generate_sample_db

__all__ = ["SampleSummary", "generate_sample_db"]
