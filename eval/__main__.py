"""python -m eval: score every registered method over the image set into reports/<timestamp>/.

Exit status: 0 all jobs succeeded; 1 some jobs failed (they are in the report); 2 bad input;
130 interrupted (finished jobs are cached: run the same command again to resume).
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from eval import leaderboard, metrics, protocol, report, runner
from methods import REGISTRY, MethodError, get, import_tensorflow_quietly
from methods.core import manifest as imageset
from methods.core.images import MAX_SIDE, MIN_SIDE, ImageError
from methods.reference import COLOUR_TRANSFER, PHOTO

# The protocol's size (eval.protocol.SIDE). Smaller barely speeds Gatys up (a fixed number of
# L-BFGS steps and a retrace per pyramid level dominate), and below 128 px its 3-level pyramid is
# too small for VGG's pools.
DEFAULT_SIZE = protocol.SIDE
# Two worker processes of one thread each: TensorFlow's two threads on a 256 px image keep two
# cores less busy than two images at once (measured on 48 pairs: 21.5 min against 28-30 min in one
# process on 2 cores). More workers than two would only add memory (about 1.6 GB each).
DEFAULT_JOBS = min(2, os.cpu_count() or 1)
QUICK_SIZE = 128


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m eval", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--methods", default=",".join(REGISTRY),
                   help=f"comma-separated registered methods (default: all: {','.join(REGISTRY)}); the "
                        "reference rows (photo, colour_transfer) are always run")
    p.add_argument("--param", action="append", default=[], metavar="METHOD.NAME=VALUE",
                   help="override a method parameter, e.g. gatys.steps=50 (repeatable)")
    p.add_argument("--size", type=int, default=None,
                   help=f"long side in px of the images given to the methods, 16 to 1024, and the `size` parameter "
                        f"of methods that have one, within its bound (default {DEFAULT_SIZE}: Gatys' default, the "
                        f"judge's size and the Magenta predictor's input; --quick: {QUICK_SIZE})")
    p.add_argument("--quick", action="store_true", help="smoke preset: 2 contents, 2 styles, small size")
    p.add_argument("--contents", metavar="DIR", help="use the images of DIR as contents instead of the set")
    p.add_argument("--styles", metavar="DIR", help="use the images of DIR as styles instead of the set")
    p.add_argument("--images-dir", metavar="DIR", help="mirror folder of the image set (contents/, styles/)")
    p.add_argument("--jobs", type=int, default=DEFAULT_JOBS,
                   help=f"local worker processes, 1: in this process (default {DEFAULT_JOBS}: two single-threaded "
                        "workers beat one two-threaded process on 2 cores)")
    p.add_argument("--scheduler", metavar="ADDRESS", help="run on a Dask distributed scheduler (tcp://host:8786)")
    p.add_argument("--out", default="reports", help="folder of the report folders (default reports)")
    p.add_argument("--cache", help="results cache folder (default OUT/cache)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--votes", metavar="DB", type=leaderboard.existing_db, help="add DB's human votes to report.html")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    import_tensorflow_quietly()
    try:
        plan = _plan(args)
    except (ValueError, RuntimeError, OSError) as error:  # MethodError, ImageSetError, ImageError
        print(f"error: {error}", file=sys.stderr)
        return 2
    return _execute(args, sys.argv[1:] if argv is None else list(argv), **plan)


def _plan(args) -> dict:
    """Validate everything and load the images before any job runs."""
    references = (PHOTO, COLOUR_TRANSFER)

    if args.jobs < 1:
        raise ValueError("--jobs must be at least 1")
    # `is None`, not `or`: --size 0 is refused below, not taken for the default
    size = args.size if args.size is not None else (QUICK_SIZE if args.quick else DEFAULT_SIZE)
    if not MIN_SIDE <= size <= MAX_SIDE:  # methods refuse larger images (their memory is budgeted there)
        raise ValueError(f"--size {size}: use {MIN_SIDE} to {MAX_SIDE}")
    names = [n.strip() for n in args.methods.split(",") if n.strip()]
    unknown = [n for n in names if n not in REGISTRY]
    if unknown or not names:
        raise MethodError(f"unknown method {', '.join(unknown) or '(none)'}; choose from {', '.join(REGISTRY)}")
    # every report carries the reference rows: a score means something only beside them
    names = [*references, *(n for n in names if n not in references)]
    overrides: dict[str, dict] = {n: {} for n in names}
    for item in args.param:
        target, _, value = item.partition("=")
        method, _, name = target.partition(".")
        if not (value and name) or method not in overrides:
            raise MethodError(f"--param {item}: expected METHOD.NAME=VALUE with METHOD in {', '.join(names)}")
        overrides[method][name] = value
    methods = {}
    for name in names:
        method = get(name)
        params = dict(overrides[name])
        for param in method.params:  # a method's own size follows --size, within its bound (Gatys: 512)
            if param.name == "size":
                params.setdefault("size", min(size, param.high))
        methods[name] = method.resolve_params(params)

    mirrors = imageset.mirror_dirs(args.images_dir)
    if args.images_dir and not Path(args.images_dir).is_dir():
        raise ValueError(f"--images-dir {args.images_dir}: no such folder")
    contents, styles = protocol.selection(args.quick, args.contents, args.styles)
    loaded = {kind: [_load(entry, size, mirrors) for entry in entries]
              for kind, entries in (("content", contents), ("style", styles))}
    for kind, images in loaded.items():
        if not any(image.pixels is not None for image in images):
            raise ValueError(f"no {kind} image could be loaded: {images[0].error}")
    copied = copied_images(loaded)
    if copied:
        print(f"note: {copied}", file=sys.stderr)
    judge = metrics.default_judge(min(size, metrics.JUDGE_SIDE))  # never judge above the methods' size
    jobs = runner.build_jobs(methods, loaded["content"], loaded["style"], judge.name)
    return {"methods": methods, "images": loaded, "size": size, "judge": judge, "jobs": jobs}


def _load(entry, size, mirrors):
    """An image of the run, from its original, else from the repository's copy (imageset.read); a failure is
    kept as an error that its jobs will report."""
    try:
        pixels, source = imageset.read(entry, size, mirrors, copies=True)
    except (imageset.ImageSetError, ImageError) as error:
        print(f"warning: {error}", file=sys.stderr)
        return runner.Image(entry.name, None, error=str(error))
    return runner.Image(entry.name, pixels, runner.digest(pixels), from_copy=source == "copy")


def copied_images(images: dict[str, list]) -> str:
    """Which images of the run were read from the repository's copies, in a sentence; "" for none."""
    names = [image.name for group in images.values() for image in group if image.from_copy]
    if not names:
        return ""
    return (f"{len(names)} image{'s' if len(names) > 1 else ''} scored from the repository's example copies "
            f"(assets/examples: photos at 768 px, paintings at 512 px, JPEG quality 88; sha256-checked), their "
            f"originals being out of reach (no mirror folder, cache or download): {', '.join(names)}. Their scores "
            f"differ from the originals' (by how much: the README's eval section), so compare them only with runs "
            f"on the same copies; give --images-dir for the originals")


def _execute(args, argv, methods, images, size, judge, jobs) -> int:
    out = Path(args.out)
    cache = runner.ResultsCache(args.cache or out / "cache")
    try:
        executor = runner.make_executor(args.jobs, args.scheduler)
    except (RuntimeError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    interrupted = False
    rows: list[dict] = []
    try:
        rows = runner.run(jobs, cache, executor, judge_side=judge.side, progress=not args.no_progress)
    except KeyboardInterrupt:
        interrupted = True
    except Exception as error:  # noqa: BLE001 - e.g. a worker process killed by the system
        print(f"error: the run stopped ({type(error).__name__}: {error}); finished jobs are cached in "
              f"{cache.folder}: run the same command to resume", file=sys.stderr)
        return 1
    finally:
        executor.close()
    if interrupted:
        print(f"interrupted: finished jobs are cached in {cache.folder}; run the same command to resume",
              file=sys.stderr)
        return 130
    wall = time.perf_counter() - started
    settings = {
        "command": " ".join(["python -m eval", *argv]),
        "methods": methods,
        "contents": ", ".join(i.name for i in images["content"]),
        "styles": ", ".join(i.name for i in images["style"]),
        "size": size, "images from copies": copied_images(images) or "none: every image from its original",
        "executor": executor.name, "results cache": str(cache.folder),
        "jobs": len(rows), "computed": sum(not r.get("cached") for r in rows),
        "errors": sum(r["status"] != "ok" for r in rows), "wall seconds": round(wall, 1),
        "finished": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
    } | ({"votes": args.votes} if args.votes else {})
    pictures = {f"{kind}:{i.name}": i.pixels for kind, group in images.items() for i in group if i.pixels is not None}
    outputs = {r["key"]: cache.image_path(r["key"]) for r in rows if r["status"] == "ok"}
    env = report.environment(settings, judge.name)
    folder = report.write(rows, out, env, pictures, outputs)
    print(f"{len(rows)} jobs ({settings['computed']} computed, {settings['errors']} failed) in {wall:.1f} s; "
          f"report: {folder / 'report.html'}")
    print("\n".join(report.console_summary(folder, env)))
    return 1 if settings["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
