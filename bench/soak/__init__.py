"""The soak: the production deployment under load and faults, checked for
losses (``python -m bench.soak [--quick]``, ``nox -s soak``).

Two ``gemini-clone serve`` processes and ``gemini-clone worker --processes
2`` run on a fresh PostgreSQL database and a throwaway ``redis-server``
(``stack.py``). Basic users log in and send more prompts than their daily
quota through both APIs (``load.py``) while faults are injected in turn:
a worker SIGKILLed, Redis paused and restarted empty, the database's
backends terminated and its connections refused for a while
(``faults.py``). At the end, once the replies have drained, it checks
(``checks.py``) that every accepted prompt has exactly one final reply,
that none is pending, that no user was charged more than the quota and
that nothing answered 5xx other than 503, prints the figures
(``summary.py``) and exits non-zero on any loss.
"""
