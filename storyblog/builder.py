"""The build, top to bottom: read everything, plan the pages, render them, write them.

Nothing is written until every page has rendered: a build with errors
leaves the last good output exactly as it was.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from storyblog.archive import Blog
from storyblog.errors import BuildFailed, Problem, Problems, UsageError
from storyblog.models import Site
from storyblog.plan import PageSpec, plan_pages
from storyblog.reader import read_site
from storyblog.render import Renderer
from storyblog.urls import Urls, output_file
from storyblog.writer import check_output, write_site


@dataclass(frozen=True)
class BuildOptions:
    content: Path
    templates: Path
    output: Path
    base_url: str | None = None
    drafts: bool = False


@dataclass(frozen=True)
class BuildResult:
    base_path: str
    """Where the blog lives on its host, e.g. /blog/: the preview serves it there."""
    stories: int
    pages: int
    written: int
    unchanged: int
    removed: int
    seconds: float
    warnings: list[Problem]


def build(options: BuildOptions) -> BuildResult:
    """Builds the blog into options.output; raises BuildFailed listing every error."""
    started = time.perf_counter()
    check_folders(options)
    problems = Problems()

    # Gather: the whole model, checked, before anything is rendered.
    site = read_site(
        options.content,
        options.templates / "static",
        problems,
        drafts=options.drafts,
        base_url=options.base_url,
    )
    if site is None:
        raise BuildFailed(problems.found)
    urls = Urls(site.config.base_url)
    blog = Blog(site)
    specs = plan_pages(blog, urls)
    check_static_paths(site, specs, problems)

    # Render every page in memory; write only if all of them rendered.
    renderer = Renderer(options.templates, urls, template_globals(blog, urls))
    rendered, template_problems = renderer.render_all(specs)
    problems.found += template_problems
    if problems.errors:
        raise BuildFailed(problems.found)
    files = {output_file(path): html for path, html in rendered.items()}
    stats = write_site(options.output, files, site.static_files)

    return BuildResult(
        base_path=urls.base_path,
        stories=len(site.stories),
        pages=len(files),
        written=stats.written,
        unchanged=stats.unchanged,
        removed=stats.removed,
        seconds=time.perf_counter() - started,
        warnings=problems.warnings,
    )


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


def check_static_paths(site: Site, specs: list[PageSpec], problems: Problems) -> None:
    """A static file may not take the place of a page, nor of a folder that holds pages
    (content/static/index.html, content/static/authors), nor need a page to be a folder."""
    page_files = {output_file(spec.path) for spec in specs}
    page_folders = {str(parent) for file in page_files for parent in PurePosixPath(file).parents}
    for static in site.static_files:
        in_a_page = any(str(p) in page_files for p in PurePosixPath(static.target).parents)
        if static.target in page_files or static.target in page_folders or in_a_page:
            problems.error(
                static.source.as_posix(), 1,
                f"this file would take the place of the blog's own /{static.target}: "
                "rename or move it",
            )  # fmt: skip


def template_globals(blog: Blog, urls: Urls) -> dict[str, object]:
    """What every template can use, besides its own page's values."""
    return {
        "site": blog.site.config,
        "blog": blog,
        "url_for": urls.url_for,
        "absolute_url_for": urls.absolute_url_for,
        "entry_id": urls.entry_id,
    }
