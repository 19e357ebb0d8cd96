"""The knowledge base: question families with their answers, and the model that finds them."""

from bot.knowledge.families import Family, Knowledge, KnowledgeError, load_knowledge
from bot.knowledge.retrieval import KnowledgeModel, Match

__all__ = ["Family", "Knowledge", "KnowledgeError", "KnowledgeModel", "Match", "load_knowledge"]
