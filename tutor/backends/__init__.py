"""Model engines behind one interface: ``Backend.stream(messages, settings) -> Generation``."""

from tutor.backends.base import CUT_SHORT, Backend, Generation, GenerationError, GenerationSettings, ModelMessage

__all__ = ["CUT_SHORT", "Backend", "Generation", "GenerationError", "GenerationSettings", "ModelMessage"]
