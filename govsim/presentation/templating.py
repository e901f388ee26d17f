"""The report's HTML and CSS as Jinja2 templates (``govsim/presentation/templates``), with
autoescaping: text from results and files is escaped wherever it is shown, and what a
template receives as ``Markup`` (a part another template rendered) is not escaped twice."""

from __future__ import annotations

from functools import cache
from importlib import resources

import jinja2
from markupsafe import Markup

TEMPLATES = "templates"


@cache
def environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("govsim.presentation", TEMPLATES),
        autoescape=True,  # every template is HTML
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,  # a name a template expects and is not given fails
        keep_trailing_newline=False,
    )


def render(name: str, **values) -> Markup:
    """Template ``name`` rendered with ``values``: HTML, marked safe for another template."""
    return Markup(environment().get_template(name).render(**values))


def macro(name: str, macro_name: str, *args, **kwargs) -> Markup:
    """One macro of template ``name``, called with the arguments (a small piece of HTML)."""
    module = environment().get_template(name).module
    return Markup(getattr(module, macro_name)(*args, **kwargs))


@cache
def stylesheet(name: str = "report.css") -> str:
    """A stylesheet of the templates folder, as text."""
    return (resources.files("govsim.presentation") / TEMPLATES / name).read_text(encoding="utf-8")
