"""gemini_core: the domain of gemini-clone.

Pure Python (standard library and msgspec only): the model, the ports the
domain needs from the outside world, and the use cases that drive them.
Other Python services can import this package and wire their own adapters.
"""
