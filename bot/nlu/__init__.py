"""Rasa graph components for 维权向导 (the only ``bot`` modules that import ``rasa``).

- :class:`bot.nlu.normalizer.ChineseTextNormalizer` rewrites the message text with
  :func:`bot.chinese_forms.normalize` before the tokenizer runs.
- :class:`bot.nlu.entities.SpacyRuleEntityExtractor` extracts the rule-based entities
  (order number, amount, date, tone, role, order status, addressee).

Nothing is imported here, so ``import bot.nlu`` stays cheap; Rasa imports the component
modules through their dotted paths in ``config.yml``.
"""
