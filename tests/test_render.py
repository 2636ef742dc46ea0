"""Templates call macros and functions as Jinja would, through storyblog's quicker calls."""

from __future__ import annotations

from pathlib import Path

import jinja2
from markupsafe import Markup, escape

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


class Shown:
    def __html__(self) -> str:
        return "<em>shown</em>"


class Word(str):
    pass


def test_values_a_template_outputs_are_escaped_as_markupsafe_escapes_them(tmp_path: Path) -> None:
    values = ["plain", "", "Leap Day & the <Bus>", "it's \"quoted\"", Markup("<b>safe</b>"),
              Word("<w>"), Shown(), 3, 1.5, None, True, ["<a>"]]  # fmt: skip
    env = Renderer(tmp_path).env
    template = env.from_string("{% for v in values %}{{ v }}|{% endfor %}{% set b %}{{ values[2] }}"
                               "{% endset %}{{ b }}{{ b|length }}")  # fmt: skip
    block = escape(values[2])  # a block set is the escaped text, and as long
    expected = "".join(f"{escape(v)}|" for v in values) + f"{block}{len(block)}"
    assert template.render(values=values) == expected
