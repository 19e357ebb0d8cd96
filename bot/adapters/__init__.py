"""Rasa-facing adapters (they import rasa; the rest of bot/ does not)."""
