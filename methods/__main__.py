"""One stylisation from the command line.

    python -m methods --method gatys --content photo.jpg --style painting.jpg --out out.png \
        [--size 512] [--param steps=50 --param style_weight=2]
    python -m methods --list
"""
from __future__ import annotations

import argparse
import sys
import time

from methods import REGISTRY, MethodError, get, import_tensorflow_quietly
from methods.core.images import MAX_SIDE, MIN_SIDE, ImageError, check_writable, load_image, save_image
from methods.core.weights import WeightsError


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m methods", description=__doc__.split("\n")[1])
    parser.add_argument("--method", choices=sorted(REGISTRY))
    parser.add_argument("--content", help="photo (path)")
    parser.add_argument("--style", help="style image (path)")
    parser.add_argument("--out", help="output image path: .png, or .jpg/.jpeg (JPEG at quality 95)")
    parser.add_argument("--size", type=int, default=512,
                        help=f"cap on the input images' long side, {MIN_SIDE} to {MAX_SIDE} (default 512)")
    parser.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                        help="a method parameter; repeat for several (see --list)")
    parser.add_argument("--list", action="store_true", help="list methods and their parameters")
    args = parser.parse_args(argv)
    if not args.list and not all((args.method, args.content, args.style, args.out)):
        parser.error("--method, --content, --style and --out are required (or --list)")
    return args


def list_methods() -> str:
    lines = []
    for name, cls in REGISTRY.items():
        lines.append(f"{name}: {cls.title} [{cls.family}]" + ("" if cls.uses_style else " (ignores the style image)"))
        lines += [f"    {param.describe()}" for param in cls.params]
    return "\n".join(lines)


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.list:
        print(list_methods())
        return 0
    import_tensorflow_quietly()
    try:
        params = dict(item.split("=", 1) for item in args.param)
    except ValueError:
        print(f"error: --param takes NAME=VALUE, got {args.param}", file=sys.stderr)
        return 2
    if not MIN_SIDE <= args.size <= MAX_SIDE:  # 0 would mean "no cap", 1 a 1x1 image
        print(f"error: --size {args.size}: use {MIN_SIDE} to {MAX_SIDE} px", file=sys.stderr)
        return 2
    try:
        check_writable(args.out)  # before the work, not after minutes of it
    except ImageError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"error: cannot write into the folder of {args.out}: {error.strerror or error}", file=sys.stderr)
        return 2
    try:
        content = load_image(args.content, args.size)
        style = load_image(args.style, args.size)
        method = get(args.method)
        result = method.stylize(content, style, on_progress=_print_progress, **params)
        save_image(result.image, args.out)
    except (ImageError, MethodError, WeightsError, OSError) as error:
        print(f"error: {error}".splitlines()[0], file=sys.stderr)
        return 2
    height, width = result.image.shape[:2]
    print(f"{args.method}: {width}x{height} in {result.seconds:.2f} s (loading {result.load_seconds:.2f} s); "
          f"weights: {result.info.get('weights_source', 'none')}; backbone: {result.info.get('backbone', '-')}; "
          f"saved {args.out}")
    if result.info.get("note"):
        print(f"note: {result.info['note']}")
    return 0


_last_printed = {"percent": None, "at": 0.0}


def _print_progress(fraction, message, preview):
    """A line when the percentage moves or every 10 s: long runs report per step, too often to read."""
    percent, now = f"{fraction:5.0%}", time.monotonic()
    if percent != _last_printed["percent"] or now - _last_printed["at"] >= 10:
        _last_printed.update(percent=percent, at=now)
        print(f"  {percent} {message}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
