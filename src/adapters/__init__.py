"""Adapters: one package or module per technology, each implementing ports of
``gemini_core``. An adapter never imports another adapter or an entrypoint."""
