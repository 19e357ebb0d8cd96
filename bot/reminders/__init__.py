"""Reminders before a deadline, delivered on the user's own channel: when they come
(``plan``), where they are kept (``store``), the scheduler (``scheduler``), how each channel
gets them (``delivery``), the runner process (``runner``, ``python -m bot.reminders``), the
calendar file (``calendar``) and their texts (``texts``)."""
