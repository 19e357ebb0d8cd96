"""One turn of the assistant as ordered steps (middleware) over one reply.

:mod:`~bot.turn.context` holds what a turn knows and :mod:`~bot.turn.reply` the messages
it says and the rules they keep; :mod:`~bot.turn.pipelines` orders the steps of every
action (safety → answers → case news → one question → the caveat and the close). Nothing
here imports Rasa: ``actions/pipeline.py`` is the adapter.
"""
