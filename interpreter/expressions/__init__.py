"""Values, `{=...}` substitutions and `=formulas`: compiled once into closures, then evaluated."""

from .compile import Compiled, compile_value, plain, pointer_join, user_property
from .errors import CompileError, ExpressionError
from .functions import FUNCTION_NAMES
from .references import references
from .scope import Scope
from .statics import Statics
from .substitutions import Reference, parse_reference

__all__ = ["Compiled", "CompileError", "ExpressionError", "FUNCTION_NAMES", "Reference", "Scope",
           "Statics", "compile_value", "parse_reference", "plain", "pointer_join", "references",
           "user_property"]
