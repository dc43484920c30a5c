"""Model engines behind one interface: ``Backend.stream(messages, settings) -> Generation``."""

from tutor.backends.base import Backend, Generation, GenerationError, GenerationSettings, Message

__all__ = ["Backend", "Generation", "GenerationError", "GenerationSettings", "Message"]
