"""Templates call macros and functions as Jinja would, through storyblog's quicker calls."""

from __future__ import annotations

from pathlib import Path

import jinja2

from storyblog.render import Renderer


def test_macros_functions_and_context_functions_are_called_as_jinja_calls_them(
    tmp_path: Path,
) -> None:
    env = Renderer(tmp_path).env

    def stops() -> None:
        raise StopIteration

    env.globals.update(
        shout=lambda text, end="!": text.upper() + end,
        looped=jinja2.pass_context(lambda context: context.get("m", "none")),
        stops=stops,
    )
    template = env.from_string(
        "{% macro item(x, sep=',') %}[{{ x }}{{ sep }}{{ caller() if caller is defined }}]"
        "{% endmacro %}"
        "{% for n in [1, 2] %}{% set m = n * 10 %}{{ item(n, sep=';') }}{{ looped() }} {% endfor %}"
        "{% call item('c') %}inner{% endcall %} {{ shout('hi', end='?') }} {{ looped() }} "
        "{{ stops() is undefined }}"
    )
    assert template.render() == "[1;]10 [2;]20 [c,inner] HI? none True"
