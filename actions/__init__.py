"""Thin rasa-sdk actions: read slots, call bot/, return events."""
