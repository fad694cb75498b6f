"""Bizflow's engine: load_template validates and compiles a template; run, start, resume run it."""

from interpreter.compiler import load_template
from interpreter.dryrun import run
from interpreter.errors import BlockError, TemplateError
from interpreter.model import Template
from interpreter.runtime import Context, StateError, Step, resume, start

__all__ = ["BlockError", "Context", "StateError", "Step", "Template", "TemplateError",
           "load_template", "resume", "run", "start"]
