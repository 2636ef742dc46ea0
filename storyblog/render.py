"""The one Jinja environment, and rendering pages with it.

Autoescape is on, so every front-matter value reaches the page as text;
story bodies are already HTML and are marked safe by the templates. Undefined
names are errors, not silent blanks, and every template mistake is reported
as `templates/file.html:line: message`.
"""

from __future__ import annotations

import pydoc
import re
import traceback
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Mapping, MutableMapping, Sequence
from contextlib import closing, suppress
from dataclasses import dataclass, fields, is_dataclass
from functools import partial
from pathlib import Path
from types import CodeType, FunctionType, MethodType
from typing import Any

import jinja2
from jinja2.runtime import Context, Macro
from markupsafe import Markup, escape

from storyblog.dates import long_date
from storyblog.errors import Problem, closest, plural
from storyblog.parallel import Progress, spread
from storyblog.plan import PageSpec
from storyblog.tracking import Fingerprints, PageReads, TrackingEnvironment
from storyblog.urls import Urls, output_file
from storyblog.writer import Staging


class CompiledTemplates(jinja2.BytecodeCache):
    """Compiled templates kept for the life of the process, by name and source: a new
    Renderer, after a template edit, compiles only the templates that changed. (Every
    Renderer has the same options, which the compiled code depends on.)"""

    def __init__(self) -> None:
        self.compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if bucket.key in self.compiled:
            bucket.bytecode_from_string(self.compiled[bucket.key])

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.compiled[bucket.key] = bucket.bytecode_to_string()


COMPILED = CompiledTemplates()

PAGES_IN_PARALLEL_FROM = 400
"""Pages: fewer render faster in this process than workers can start."""


@dataclass
class RenderedPages:
    """Pages rendered, and staged where their bytes changed."""

    reads: PageReads
    """What each page's templates read."""
    staged: list[str]
    """The files of the pages that changed."""
    problems: list[Problem]
    """Template mistakes, each reported once."""


class DirectContext(Context):
    """Jinja's context, calling macros and plain functions at once: a page makes fifty such
    calls, and Jinja's own `call` looks at each callable three times for a context, an
    environment or an eval context to pass it, which neither a macro nor a plain function
    takes. Anything else is called as Jinja would."""

    def call(__self, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # names no keyword can take
        kind = type(__obj)
        if kind is not Macro and (kind not in PLAIN_CALLABLES or hasattr(__obj, "jinja_pass_arg")):
            return super().call(__obj, *args, **kwargs)
        kwargs.pop("_block_vars", None)
        kwargs.pop("_loop_vars", None)
        try:
            return __obj(*args, **kwargs)
        except StopIteration:  # as Jinja's own
            return __self.environment.undefined(
                "value was undefined because a callable raised a StopIteration exception"
            )


PLAIN_CALLABLES = frozenset((FunctionType, MethodType))


class OutputTemplate(jinja2.Template):
    """Jinja's template, whose `{{ … }}` are escaped by escape_output."""

    @classmethod
    def from_code(
        cls,
        environment: jinja2.Environment,
        code: CodeType,
        globals: MutableMapping[str, Any],
        uptodate: Callable[[], bool] | None = None,
    ) -> jinja2.Template:
        template = super().from_code(environment, code, globals, uptodate)
        # The compiled code's functions share one namespace, which imports `escape`
        # from jinja2.runtime: it calls that only for the values it outputs.
        template.root_render_func.__globals__["escape"] = escape_output
        return template


def escape_output(value: Any) -> str:
    """markupsafe.escape, for a value a template outputs, which Jinja only joins into the
    page: a text with nothing to escape (most: names, dates, addresses) is output as it
    is, and HTML already safe too, not first copied into a new Markup. A tenth of the
    time rendering took."""
    kind = type(value)
    if kind is str:
        return value if TO_ESCAPE(value) is None else escape(value)
    return value if kind is Markup else escape(value)


TO_ESCAPE = re.compile("[&<>\"']").search
"""What markupsafe.escape replaces."""


class Renderer:
    """Templates compiled once; make a new Renderer when a template changes."""

    def __init__(self, templates_dir: Path) -> None:
        self.templates_dir = templates_dir
        self.urls = Urls("http://localhost/")
        self.env = TrackingEnvironment(
            loader=jinja2.FileSystemLoader(templates_dir),
            autoescape=jinja2.select_autoescape(["html", "xml"]),
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=True,
            auto_reload=False,
            bytecode_cache=COMPILED,
        )
        self.env.context_class = DirectContext
        self.env.template_class = OutputTemplate
        self.env.filters["long_date"] = long_date
        self.env.filters["iso"] = lambda moment: moment.isoformat()
        self.env.filters["plural"] = plural
        self.env.globals["cached"] = self.cached
        self.partials: dict[Hashable, tuple[Markup, set[int]]] = {}
        self.rendered = PageReads()
        """The reads of the pages render_all has rendered so far."""

    def compile_all(self) -> None:
        """Compiles every template once, here: not again in each worker the pages are spread
        over, and all of them kept by the cache. A template's mistakes are reported when a
        page uses it."""
        for name in self.env.list_templates():
            if not name.startswith("static/"):
                with suppress(jinja2.TemplateError, UnicodeError):
                    self.env.get_template(name)

    def use(self, urls: Urls, globals_: Mapping[str, Any], fingerprints: Fingerprints) -> None:
        """This build's addresses, template globals and tracked objects."""
        self.urls = urls
        self.env.globals.update(globals_)
        self.env.fingerprints = fingerprints
        self.partials = {}
        for template in self.env.cache.values() if self.env.cache is not None else ():
            template._module = None  # Jinja keeps imported macros bound to the last globals

    def render_all(
        self, specs: Sequence[PageSpec], staging: Staging, progress: Progress = None
    ) -> RenderedPages:
        """Every page, staged where it changed, over the machine's cores when there are many.

        The kinds of page there are fewest of go first: pages that list many things (the
        sitemap, the feeds, the archives), each slower than a story's. The many story
        pages, alike and quick, come last, and the workers finish them together: in plan
        order, one worker was left with the archives while the other had nothing to do."""
        kinds = Counter(spec.template for spec in specs)
        specs = sorted(specs, key=lambda spec: kinds[spec.template])
        done = RenderedPages(PageReads(), [], [])
        work = partial(self.render_here, staging=staging)
        assert self.env.fingerprints is not None
        self.rendered = done.reads
        try:
            with closing(spread(work, specs, smallest=PAGES_IN_PARALLEL_FROM)) as parts:
                for part in parts:  # (closed on any error: no worker outlives the staging)
                    done.reads.merge(part.reads, self.env.fingerprints.same)
                    done.staged += part.staged
                    done.problems += [p for p in part.problems if p not in done.problems]
                    if progress:
                        progress("pages rendered", len(done.reads.pages), len(specs))
        finally:
            self.rendered = PageReads()
        return done

    def render_here(self, specs: Sequence[PageSpec], staging: Staging) -> RenderedPages:
        # In a worker, the reads of the pages rendered before it was forked are numbered
        # already: a worker sends back only the reads they did not make.
        known = self.rendered.numbers
        done = RenderedPages(PageReads(first=len(known)), [], [])
        self.env.track_into(done.reads, known)
        self.partials = {}  # their reads are numbered in another PageReads
        problems: dict[Problem, None] = {}
        for spec in specs:
            self.env.reads = set()
            try:
                html = self.render(spec).encode("utf-8")
                if staging.put(file := output_file(spec.path), html):
                    done.staged.append(file)
            except Exception as error:
                problem = self.problem(error, spec)
                if problem is None:
                    raise  # not a template's mistake: storyblog's own, with its traceback
                problems[problem] = None
            else:
                done.reads.add(spec.path, self.env.reads)
            finally:
                self.env.reads = None
        done.problems = list(problems)
        return done

    def render(self, spec: PageSpec) -> str:
        return self.env.get_template(spec.template).render(
            spec.context,
            page_url=self.urls.href(spec.path),
            canonical_url=self.urls.absolute(spec.path),
        )

    def cached(self, name: str, **values: Any) -> Markup:
        """`{{ cached("_sidebar.html", calendar=calendar) }}`: the template rendered with only
        the globals and these values, once for each set of values (in each process that
        renders pages), like Hugo's partialCached. What it read counts as read by every
        page that shows it."""
        fingerprints = self.env.fingerprints
        assert fingerprints is not None
        key = (name, *((value_name, fingerprints.of(v)) for value_name, v in values.items()))
        if key not in self.partials:
            page_reads, self.env.reads = self.env.reads, set()
            try:
                html = Markup(self.env.get_template(name).render(values))
                self.partials[key] = (html, self.env.reads)
            finally:
                self.env.reads = page_reads
        html, reads = self.partials[key]
        if self.env.reads is not None:
            self.env.reads.update(reads)
        return html

    def problem(self, error: Exception, spec: PageSpec) -> Problem | None:
        """The template file and line where the error happened; None if no template did it."""
        if isinstance(error, jinja2.TemplateSyntaxError):
            where = self._display(error.filename or str(self.templates_dir / spec.template))
            return Problem(where, error.lineno, f"template syntax: {error.message}")
        if isinstance(error, jinja2.TemplateNotFound):
            missing = (self.templates_dir / str(error.name)).as_posix()
            return Problem(missing, 1, "this template is missing: storyblog's theme needs it")
        innermost_first = reversed(traceback.extract_tb(error.__traceback__))
        frame = next((f for f in innermost_first if self._is_template(f.filename)), None)
        if frame is None:
            return None
        message = explain(error, [*spec.context, *self.env.globals])
        return Problem(self._display(frame.filename), frame.lineno or 1, message)

    def _is_template(self, filename: str) -> bool:
        return Path(filename).resolve().is_relative_to(self.templates_dir.resolve())

    def _display(self, filename: str) -> str:
        """templates/story.html, as the user named the folder, not an absolute path."""
        root, path = self.templates_dir.resolve(), Path(filename).resolve()
        return (self.templates_dir / path.relative_to(root)).as_posix()


NO_ATTRIBUTE = re.compile(r"'(?P<owner>[\w.]+) object' has no attribute '(?P<name>\w+)'")
IS_UNDEFINED = re.compile(r"'(?P<name>\w+)' is undefined")


def explain(error: Exception, names: Iterable[str]) -> str:
    """Jinja's message about an unknown name, with the name that was likely meant."""
    message = str(error)
    if match := IS_UNDEFINED.fullmatch(message):
        return _did_you_mean(f"'{match['name']}' is not defined on this page", match["name"], names)
    if match := NO_ATTRIBUTE.fullmatch(message):
        name, owner = match["name"], pydoc.locate(match["owner"])
        if isinstance(owner, type):
            known = [f.name for f in fields(owner)] if is_dataclass(owner) else []
            known += [attribute for attribute in dir(owner) if not attribute.startswith("_")]
            return _did_you_mean(f"a {owner.__name__} has no '{name}'", name, known)
        return f"no '{name}' here: check for it first with {{% if ….{name} is defined %}}"
    return message


def _did_you_mean(message: str, name: str, known: Iterable[str]) -> str:
    close = closest(name, known)
    return f"{message}: did you mean '{close}'?" if close else message
