"""The command line: arguments → a build, and a preview server when asked.

Exit status: 0 built; 1 the content has errors (each listed as
`path:line: message`, nothing written); 2 wrong usage.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from collections.abc import Sequence
from contextlib import suppress
from pathlib import Path

from storyblog import __version__
from storyblog.builder import Builder, BuildOptions, BuildResult
from storyblog.config import normalize_base_url
from storyblog.errors import BuildFailed, Problem, UsageError, plural
from storyblog.parallel import WorkerStopped

EXIT_OK, EXIT_CONTENT_ERRORS, EXIT_USAGE = 0, 1, 2
BAR_WIDTH = 30


def parse_arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="build.py",
        description="Build the story blog from content/ and templates/ into site/.",
    )
    parser.add_argument(
        "--content",
        type=Path,
        default=Path("content"),
        metavar="DIR",
        help="the blog's stories, authors and pages (default: content/)",
    )
    parser.add_argument(
        "--templates",
        type=Path,
        default=Path("templates"),
        metavar="DIR",
        help="the theme: Jinja2 templates and static/ (default: templates/)",
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=Path("site"),
        metavar="DIR",
        help="where the built blog goes (default: site/)",
    )
    parser.add_argument(
        "--cache",
        type=Path,
        default=Path(".cache"),
        metavar="DIR",
        help="where each build keeps what the next one can reuse; safe to delete "
        "(default: .cache/)",
    )
    parser.add_argument(
        "--base-url", metavar="URL", help="the blog's address, overriding base_url in site.yml"
    )
    parser.add_argument("--drafts", action="store_true", help="include stories marked draft: true")
    parser.add_argument(
        "--serve",
        action="store_true",
        help="build, preview the blog in a browser, and rebuild and reload on every save",
    )
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="with --serve: the address to listen on (default: 127.0.0.1)",
    )
    parser.add_argument(
        "--port",
        type=port,
        default=8000,
        help="with --serve: the port to listen on (default: 8000)",
    )
    parser.add_argument("--version", action="version", version=f"storyblog {__version__}")
    arguments = parser.parse_args(argv)
    if arguments.base_url is not None and normalize_base_url(arguments.base_url) is None:
        parser.error("--base-url should be a full address, like https://example.org/blog/")
    if not arguments.serve and (arguments.host != "127.0.0.1" or arguments.port != 8000):
        parser.error("--host and --port go with --serve")
    return arguments


def port(text: str) -> int:
    if not text.isdecimal() or not 0 < int(text) < 65536:
        raise argparse.ArgumentTypeError(f"'{text}' is not a port: give a number from 1 to 65535")
    return int(text)


def main(argv: Sequence[str] | None = None, *, hard_exit: bool = False) -> int:
    """With hard_exit, a successful build ends the process at once: a big blog's model is
    millions of objects, and freeing them one by one takes longer than some builds."""
    arguments = parse_arguments(argv)
    options = BuildOptions(
        content=arguments.content,
        templates=arguments.templates,
        output=arguments.output,
        base_url=arguments.base_url,
        drafts=arguments.drafts,
        cache=arguments.cache,
        progress=None if arguments.serve or not sys.stderr.isatty() else TerminalProgress(),
    )
    try:
        if arguments.serve:
            # The preview's server and watcher are loaded only for it, not for every build.
            from storyblog.live import serve_live

            serve_live(options, arguments.host, arguments.port)
        else:
            if hard_exit:
                # The garbage collector is paused during a build; left paused after it,
                # it does not look through every object of the model once more, in vain.
                gc.disable()
            builder = Builder(options)
            report_success(builder.build(), options.output)
            if hard_exit:
                for stream in (sys.stdout, sys.stderr):
                    with suppress(OSError):  # a closed terminal: the blog is built all the same
                        stream.flush()
                os._exit(EXIT_OK)
    except BuildFailed as failure:
        report_failure(failure.problems, options.output)
        return EXIT_CONTENT_ERRORS
    except UsageError as error:
        print(f"storyblog: {error}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as error:  # the disk, not the content: full, read-only, gone
        print(f"storyblog: could not write the blog: {error}", file=sys.stderr)
        return EXIT_CONTENT_ERRORS
    except WorkerStopped as error:
        print(f"storyblog: {error}", file=sys.stderr)
        return EXIT_CONTENT_ERRORS
    return EXIT_OK


class TerminalProgress:
    """One line on the terminal, rewritten as a long build goes: what, how far, how fast."""

    def __init__(self) -> None:
        self.what, self.since = "", time.perf_counter()
        self.last = self.since

    def __call__(self, what: str, done: int, total: int) -> None:
        now = time.perf_counter()
        if what != self.what:
            self.what, self.since = what, self.last
        self.last = now
        filled = BAR_WIDTH * done // max(total, 1)
        bar = "█" * filled + "·" * (BAR_WIDTH - filled)
        rate = done / max(now - self.since, 1e-6)
        line = f"\r{bar} {done:,}/{total:,} {what} ({rate:,.0f}/s)\033[K"
        line += "\n" if done >= total else ""
        if os.name != "posix":  # no forked workers (and a console that wants its own writes)
            print(line, end="", file=sys.stderr, flush=True)
            return
        # To the file itself, not through sys.stderr: the pool's thread forks render workers
        # meanwhile, and one forked while this thread held the stream's lock would hang on
        # its first write to it (a warning, say).
        stream = sys.stderr
        os.write(stream.fileno(), line.encode(stream.encoding, stream.errors or "strict"))


def report_success(result: BuildResult, output: Path) -> None:
    for warning in result.warnings:
        print(warning, file=sys.stderr)
    warnings = len(result.warnings)
    print(
        f"Built {plural(result.stories, 'story', 'stories')} into {output}/ "
        f"in {result.seconds:.2f} s: "
        f"{result.pages} pages, {result.written} files written, {result.unchanged} unchanged"
        + (f", {result.removed} removed" if result.removed else "")
        + (f"; {plural(warnings, 'warning', 'warnings')} above" if warnings else "")
    )


def report_failure(problems: list[Problem], output: Path) -> None:
    for problem in problems:
        print(problem, file=sys.stderr)
    errors = sum(1 for p in problems if not p.is_warning)
    kept = f", {output}/ still holds the last good build" if output.exists() else ""
    print(f"{plural(errors, 'error', 'errors')}: nothing was written{kept}.", file=sys.stderr)
