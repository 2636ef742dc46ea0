"""The build, top to bottom: read everything, plan the pages, render them, write them.

Nothing is written until every page has rendered: a build with errors
leaves the last good output exactly as it was.
"""

from __future__ import annotations

import gc
import os
import sys
import time
from bisect import bisect_left
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path

from storyblog import __version__
from storyblog.archive import Blog
from storyblog.cache import Cache, Manifest, files_under, stat_all
from storyblog.errors import BuildFailed, Problem, Problems, UsageError
from storyblog.models import Site
from storyblog.parallel import Progress, begun
from storyblog.plan import PageSpec, plan_pages
from storyblog.reader import ReadMemo, read_site, read_stories
from storyblog.render import COMPILED, Renderer
from storyblog.shown import edited_files, model_of
from storyblog.stats import Stat, settled, stat_of
from storyblog.tracking import UNKEPT, Fingerprints, RenderMemory, folder_digest
from storyblog.urls import Urls, output_file
from storyblog.writer import (
    MARKER,
    Staging,
    WriteStats,
    check_output,
    one_build_at_a_time,
    write_site,
)


@dataclass(frozen=True)
class BuildOptions:
    content: Path
    templates: Path
    output: Path
    base_url: str | None = None
    drafts: bool = False
    cache: Path | None = None
    """Where the build keeps what it knows for the next one; None keeps nothing."""
    progress: Progress = field(default=None, compare=False)


@dataclass(frozen=True)
class BuildResult:
    base_path: str
    """Where the blog lives on its host, e.g. /blog/: the preview serves it there."""
    stories: int
    pages: int
    rendered: int
    written: int
    unchanged: int
    removed: int
    seconds: float
    warnings: list[Problem]


def build(options: BuildOptions) -> BuildResult:
    """Builds the blog into options.output; raises BuildFailed listing every error."""
    return Builder(options).build()


class Builder:
    """Builds a blog, then again after each edit, redoing only what the edits change.

    It remembers what each file made (the reader's memo) and what each page's
    templates read (tracking.py); a build renders only the pages whose reads
    changed, and its output is byte for byte the output of a clean build.
    """

    def __init__(self, options: BuildOptions) -> None:
        self.options = options
        self.read_memo = ReadMemo()
        self.renderer: Renderer | None = None
        self.templates_digest = b""
        self.memory = RenderMemory()
        self.outputs: dict[str, Stat] | None = None
        """Each file the last build left in the output, with its stat: what the next build
        compares the output with, and what the write need not look through again."""
        self.cache = (
            None if options.cache is None else Cache(options.cache, options.content, options.output)
        )
        self.cache_loaded = False
        self.saving = True
        """False while the preview rebuilds on every save: it saves once, when it stops."""
        self.unsaved: tuple[dict[str, Stat], int, BuildResult, dict[str, Stat]] | None = None
        self.planned: tuple[Site, list[PageSpec]] | None = None
        """The last build's model and plan, for the model the cache keeps (shown.py)."""

    def build(self) -> BuildResult:
        """One build, with the cyclic garbage collector paused: a big blog is millions of
        long-lived objects, and the collector would look through them all again and again
        (a third of a rebuild's time at 10,000 stories) to find no garbage."""
        collecting = gc.isenabled()
        gc.disable()
        try:
            with self._alone():
                result = self._build()
                if self.saving:
                    self._save()
                return result
        finally:
            if collecting:
                gc.enable()

    def save_cache(self) -> None:
        """Keeps the last successful build's memory for the next build, in any process."""
        if self.cache is not None and self.unsaved is not None:
            with self._alone():
                self._save()

    def _alone(self) -> AbstractContextManager[None]:
        """No other build into this output runs meanwhile."""
        waiting = f"storyblog: waiting for another build into {self.options.output}/ to finish"
        return one_build_at_a_time(self.options.output, lambda: print(waiting, file=sys.stderr))

    def _build(self) -> BuildResult:
        options = self.options
        started = time.perf_counter()
        check_folders(options)
        outputs = None
        if self.cache and not self.cache_loaded:
            # The output is looked through by another process while this one reads the inputs.
            outputs = begun(partial(files_under, options.output))
        taken_ns = time.time_ns()
        inputs = stat_all(options.content, options.templates) if self.cache else {}
        if self.cache and outputs:
            manifest = self.cache.load_manifest()
            done = self._unchanged_since(manifest, inputs, outputs) or (
                self.saving and self._edited_since(manifest, inputs, taken_ns, outputs)
            )
            if done:
                return replace(done, seconds=time.perf_counter() - started)
            self._load_cache(outputs)
        elif self.outputs is not None:  # a preview's memory: the output may have changed since
            self._trust_outputs_as(files_under(options.output), self.outputs)
        if not (options.output / MARKER).is_file():  # a new output folder, or one deleted
            self.memory, self.outputs = RenderMemory(), None
        problems = Problems()

        # Gather: the whole model, checked, before anything is rendered.
        site = read_site(
            options.content,
            options.templates / "static",
            problems,
            drafts=options.drafts,
            base_url=options.base_url,
            memo=self.read_memo,
            stats=inputs,
            progress=options.progress,
        )
        if site is None:
            raise BuildFailed(problems.found)
        urls = Urls(site.config.base_url)
        blog = Blog(site)
        specs = plan_pages(blog, urls)
        pages = [output_file(spec.path) for spec in specs]
        check_static_paths(site, pages, problems)

        # Render the pages whose reads changed, staged aside; write only if all of them rendered.
        renderer = self._renderer()
        fingerprints = Fingerprints(blog, self.memory.objects)
        renderer.use(urls, template_globals(blog, urls), fingerprints)
        settings = (__version__, self.templates_digest, fingerprints.of(site.config))
        own = {
            spec.path: (settings, spec.template, *fingerprints.of_values(spec.context))
            for spec in specs
        }
        fresh = self.memory.as_rendered(own) - self.memory.changed_pages(fingerprints, renderer.env)
        staging = Staging(options.output)
        try:
            to_render = [spec for spec in specs if spec.path not in fresh]
            rendered = renderer.render_all(to_render, staging, options.progress)
            problems.found += rendered.problems
            if problems.errors:
                raise BuildFailed(problems.found)
            present = None if self.outputs is None else self.outputs.keys()
            stats = write_site(staging, pages, rendered.staged, site.static_files, present)
        except BuildFailed:
            raise  # the output is as it was
        except BaseException:
            self.memory, self.outputs = RenderMemory(), None  # trust none of it next time
            self.unsaved = self.planned = None  # nor keep it for another process
            raise
        finally:
            staging.close()
        self.outputs = self._outputs_now(stats)
        for path in set(self.memory.own) - set(own):
            self.memory.forget(path)
        self.memory.remember(own, rendered.reads, partial(fingerprints.now, env=renderer.env))
        self.memory.objects = fingerprints.objects

        result = BuildResult(
            base_path=urls.base_path,
            stories=len(site.stories),
            pages=len(specs),
            rendered=len(rendered.reads.pages),
            written=len(stats.written),
            unchanged=stats.unchanged,
            removed=stats.removed,
            seconds=time.perf_counter() - started,
            warnings=problems.warnings,
        )
        self.unsaved = (inputs, taken_ns, result, self.outputs)
        self.planned = (site, specs)
        return result

    def _unchanged_since(
        self,
        manifest: Manifest | None,
        inputs: dict[str, Stat],
        outputs: Callable[[], dict[str, Stat]],
    ) -> BuildResult | None:
        """The last build's result, when neither its inputs nor its output have changed since
        (nor could have, unseen): this build would render and write nothing."""
        if manifest is None or manifest.options != self.options or manifest.inputs != inputs:
            return None
        if not all(settled(stat, manifest.taken_ns) for stat in manifest.inputs.values()):
            return None
        if outputs() != manifest.outputs:
            return None
        last: BuildResult = manifest.result
        return replace(last, rendered=0, written=0, unchanged=last.written + last.unchanged,
                       removed=0)  # fmt: skip

    def _edited_since(
        self,
        manifest: Manifest | None,
        inputs: dict[str, Stat],
        taken_ns: int,
        outputs: Callable[[], dict[str, Stat]],
    ) -> BuildResult | None:
        """The build, when the only changes since the last are to what stories show: built
        from the last build's model (shown.py). None when it takes the whole build, which
        also reports any problem."""
        options = self.options
        if self.cache is None or manifest is None or manifest.options != options:
            return None
        edited = edited_files(manifest.inputs, manifest.taken_ns, inputs)
        if not edited or any(problem.path in edited for problem in manifest.result.warnings):
            return None
        model = self.cache.load_model(manifest.model)
        if model is None:
            return None
        files = [Path(path) for path in edited]
        sources = {story.source for story in model.site.stories}
        if not all(file.is_relative_to(options.content)
                   and file.relative_to(options.content).as_posix() in sources
                   for file in files):  # fmt: skip
            return None
        problems = Problems()
        edits = read_stories(options.content, files, model.site, problems, inputs)
        to_render = None if problems.found else model.edit(edits)
        if to_render is None:
            return None
        bodies = model.load_bodies(self.cache.bodies_file, model.bodies_read(to_render))
        plans = model.plans_of(to_render) if bodies else None
        if plans is None or outputs() != manifest.outputs:
            return None

        blog, urls = Blog(model.site), Urls(model.site.config.base_url)
        COMPILED.compiled.update(model.compiled)
        renderer = self._renderer()
        renderer.use(urls, template_globals(blog, urls), Fingerprints(blog, None, model.keys))
        kept = manifest.outputs.keys() - {MARKER}
        staging = Staging(options.output)
        try:
            rendered = renderer.render_all(plans, staging, options.progress)
            if rendered.problems or not model.rendered(rendered.reads):
                return None
            stats = write_site(staging, kept, rendered.staged, (), kept)
        finally:
            staging.close()
        self.outputs = manifest.outputs
        outputs_now = self._outputs_now(stats)
        result: BuildResult = replace(
            manifest.result, rendered=len(rendered.reads.pages), written=len(stats.written),
            unchanged=stats.unchanged, removed=0,
        )  # fmt: skip
        manifest = Manifest(self._kept_options(), taken_ns, inputs, outputs_now, result)
        self.cache.save_edits(model, manifest)
        return result

    def _load_cache(self, outputs: Callable[[], dict[str, Stat]]) -> None:
        """The last build's memory, for the pages whose files are still as it wrote them."""
        assert self.cache is not None
        self.cache_loaded = True
        state = self.cache.load_state()
        now = outputs()
        if state is None or state.get("options") != self.options:
            return
        self.read_memo = ReadMemo.from_kept(state)
        self.memory = RenderMemory.from_kept(state)
        self.templates_digest = state["templates_digest"]
        COMPILED.compiled.update(state["compiled_templates"])
        self._trust_outputs_as(now, state["outputs"])

    def _trust_outputs_as(self, now: dict[str, Stat], written: dict[str, Stat]) -> None:
        """Forgets the pages whose files are not as the last build left them (deleted,
        changed by hand or by another build): they are rendered again."""
        for path in list(self.memory.own):
            file = output_file(path)
            if now.get(file) != written.get(file):
                self.memory.forget(path)
        self.outputs = now

    def _save(self) -> None:
        if self.cache is None or self.unsaved is None or self.planned is None:
            return
        inputs, taken_ns, result, outputs = self.unsaved
        self.unsaved = None
        self.memory.compact()
        self.memory.objects = {
            key: value for key, value in self.memory.objects.items() if key[0] not in UNKEPT
        }
        options = self._kept_options()
        state = {
            "options": options,
            **self.read_memo.kept(),
            **self.memory.kept(),
            "templates_digest": self.templates_digest,
            "compiled_templates": COMPILED.compiled,
            "outputs": outputs,  # a page whose file changed since is rendered again
        }
        model = partial(model_of, *self.planned, self.memory.reads, COMPILED.compiled)
        self.cache.save(state, Manifest(options, taken_ns, inputs, outputs, result), model)

    def _kept_options(self) -> BuildOptions:
        return replace(self.options, progress=None)  # a function: not kept

    def _outputs_now(self, stats: WriteStats) -> dict[str, Stat]:
        """The output's files and their stats after a write: only the files it wrote (the
        marker, which it may have), or whose stat is not known, are looked at."""
        known, written = self.outputs or {}, {*stats.written, MARKER}
        output = os.fspath(self.options.output)  # joined as text: a Path per file is slower
        return {
            file: known[file] if file in known and file not in written
            else stat_of(os.stat(os.path.join(output, file)))
            for file in stats.files
        }  # fmt: skip

    def _renderer(self) -> Renderer:
        """The compiled templates, compiled again when any template file changed."""
        templates_digest = folder_digest(self.options.templates, skip="static")
        if self.renderer is None or templates_digest != self.templates_digest:
            self.renderer = Renderer(self.options.templates)
            self.renderer.compile_all()
            self.templates_digest = templates_digest
        return self.renderer


def check_folders(options: BuildOptions) -> None:
    if not options.content.is_dir():
        raise UsageError(
            f"no content folder at {options.content}: run storyblog in your blog's folder, "
            "or give the folder with --content DIR"
        )
    if not (options.templates / "base.html").is_file():
        raise UsageError(
            f"no templates at {options.templates} (base.html is missing): "
            "give the theme's folder with --templates DIR"
        )
    check_output(options.output)


def check_static_paths(site: Site, pages: list[str], problems: Problems) -> None:
    """A static file may not take the place of a page's file, nor of a folder that holds
    pages (content/static/index.html, content/static/authors), nor need a page to be a
    folder."""
    page_files, in_order = set(pages), sorted(pages)
    for static in site.static_files:
        in_a_page = any(static.target[:end] in page_files for end in slash_positions(static.target))
        folder = static.target + "/"
        first_inside = bisect_left(in_order, folder)  # the first page inside, if there is one
        holds_pages = first_inside < len(in_order) and in_order[first_inside].startswith(folder)
        if static.target in page_files or holds_pages or in_a_page:
            problems.error(
                static.source.as_posix(), 1,
                f"this file would take the place of the blog's own /{static.target}: "
                "rename or move it",
            )  # fmt: skip


def slash_positions(path: str) -> list[int]:
    """Where path's folders end: `a/b/c.html` → [1, 3], for `a` and `a/b`."""
    return [index for index, char in enumerate(path) if char == "/"]


def template_globals(blog: Blog, urls: Urls) -> dict[str, object]:
    """What every template can use, besides its own page's values."""
    return {
        "site": blog.site.config,
        "blog": blog,
        "url_for": urls.url_for,
        "absolute_url_for": urls.absolute_url_for,
        "entry_id": urls.entry_id,
    }
