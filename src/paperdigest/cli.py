"""Command line: thin wrappers around the stages."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shlex
import signal
import sys
from pathlib import Path

from paperdigest import __version__
from paperdigest.build import BuildError, build_site
from paperdigest.config import find_site_root
from paperdigest.errors import ConfigError
from paperdigest.profile import profile_report

SOURCE_HELP = "site folder, where site.yaml is (default: the nearest one at or above the current folder)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="paperdigest", description="Static wiki for research-paper digests."
    )
    parser.add_argument("--version", action="version", version=f"paperdigest {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    build = commands.add_parser("build", help="build the site into the output folder")
    build.add_argument("--source", type=Path, default=None, help=SOURCE_HELP)
    build.add_argument("--out", type=Path, default=None, help="output folder (default: SOURCE/_site)")
    build.add_argument("--base-url", default=None, help="override base_url, e.g. https://u.github.io/repo/")
    build.add_argument("--strict", action="store_true", help="exit non-zero on any warning")
    build.add_argument("--drafts", action="store_true", help="include digests with draft: true")
    build.add_argument(
        "--jobs", type=positive_int, default=None, help="processes (default: all cores; 1: no pool)"
    )
    build.add_argument("--profile", action="store_true", help="print the time spent in each stage")
    build.set_defaults(handler=run_build)

    check = commands.add_parser("check", help="lint the digests without writing a site")
    check.add_argument("--source", type=Path, default=None, help=SOURCE_HELP)
    check.add_argument("--format", choices=("text", "json"), default="text", help="output format")
    check.add_argument("--strict", action="store_true", help="exit non-zero on warnings too, not only errors")
    check.set_defaults(handler=run_check)

    init = commands.add_parser(
        "init", help="create a new site: site.yaml, digests/, templates/, requirements.txt, Pages workflow"
    )
    init.add_argument(
        "dir", nargs="?", type=Path, default=Path("."), help="folder of the new site (default: .)"
    )
    init.add_argument("--title", default="Paper Digest", help="site title written to site.yaml")
    init.add_argument(
        "--install",
        default="",
        help="pip requirement the Pages workflow installs (default: the paperdigest running init)",
    )
    init.set_defaults(handler=run_init)

    new = commands.add_parser("new", help="create the digest file of a day with a card per arXiv id")
    new.add_argument("ids", nargs="*", metavar="ARXIV_ID", help="arXiv ids or URLs, one card each")
    new.add_argument("--date", type=iso_date, default=None, help="YYYY-MM-DD (default: today)")
    new.add_argument("--source", type=Path, default=None, help=SOURCE_HELP)
    new.set_defaults(handler=run_new)

    serve = commands.add_parser("serve", help="preview the site with live reload while you write")
    serve.add_argument("--source", type=Path, default=None, help=SOURCE_HELP)
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port (default: 8000; next free if taken)")
    serve.add_argument("--open", action="store_true", help="open the site in a web browser")
    serve.add_argument("--drafts", action="store_true", help="include digests with draft: true")
    serve.add_argument("--out", type=Path, default=None, help="output folder (default: a temporary one)")
    serve.set_defaults(handler=run_serve)

    args = parser.parse_args(argv)
    if "source" in args and args.source is None:
        args.source = default_source()
    # SIGTERM unwinds like Ctrl-C, so an interrupted build cleans up and leaves the old site.
    # A worker forked from here inherits the handler: there it ends at once, without the traceback
    # a SystemExit raised while the child is still being set up (threading's after-fork) prints.
    main_pid = os.getpid()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143) if os.getpid() == main_pid else os._exit(143))
    try:
        return args.handler(args)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; the previous output is unchanged", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader of the output left (`check --format json | head`): nothing more to say to
        # it. stdout goes to /dev/null so that Python's flush at exit raises no second error.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except SystemExit as exc:
        if exc.code == 143:  # SIGTERM, turned into SystemExit above
            print("terminated; the previous output is unchanged", file=sys.stderr)
        raise


def default_source() -> Path:
    """The site a command without --source works on: the current folder, or the nearest folder
    above it holding site.yaml (run from digests/, `new` wrote digests/digests/ and `build` made
    digests/_site). A folder with no site.yaml above it is used as it is (a site of defaults)."""
    found = find_site_root(Path.cwd())
    return Path(os.path.relpath(found)) if found else Path(".")


def run_build(args) -> int:
    try:
        result = build_site(
            args.source,
            args.out,
            base_url=args.base_url,
            drafts=args.drafts,
            progress=sys.stderr.isatty(),
            jobs=args.jobs,
        )
    except BuildError as exc:
        print(exc, file=sys.stderr)
        print("build failed; the previous output is unchanged", file=sys.stderr)
        return 1
    for problem in result.problems:
        print(problem, file=sys.stderr)
    print(result.summary())
    if args.profile:
        print(profile_report(result))
    # An error fails the build (its digest publishes its last good version); --strict, a warning too.
    return 1 if result.errors or (args.strict and result.warnings) else 0


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def run_check(args) -> int:
    import json

    from paperdigest.check import check_site

    try:
        result = check_site(args.source)
    except ConfigError as exc:
        if args.format != "json":
            raise
        # A tool reading the JSON gets the configuration error in it, not an empty stdout.
        print(json.dumps([exc.problem(args.source.resolve()).as_dict()], ensure_ascii=False, indent=1))
        print(exc, file=sys.stderr)
        return 2
    if args.format == "json":
        print(json.dumps([p.as_dict() for p in result.problems], ensure_ascii=False, indent=1))
    else:
        for problem in result.problems:
            print(problem)
    print(f"{result.errors} errors, {result.warnings} warnings", file=sys.stderr)
    return 1 if result.errors or (args.strict and result.warnings) else 0


def iso_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a YYYY-MM-DD date: {text!r}") from None


def run_init(args) -> int:
    from paperdigest.install_spec import InstallSpec, install_advice, running_spec
    from paperdigest.scaffold import ScaffoldError, init_site

    spec = InstallSpec(args.install, "option") if args.install else running_spec()
    try:
        written = init_site(args.dir, spec, title=args.title)
    except ScaffoldError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for done, path in written:
        print(f"{done} {path}")
    advice = install_advice(spec)
    print(advice, file=sys.stderr if spec.origin == "local" else sys.stdout)
    # Quoted, so that a folder name with spaces or quotes pastes into a shell as one argument.
    cd = "" if args.dir.resolve() == Path.cwd().resolve() else f"cd {shlex.quote(str(args.dir))} && "
    print(f"next: {cd}paperdigest serve, then push to GitHub (see .github/workflows/pages.yml)")
    return 0


def run_new(args) -> int:
    from paperdigest.scaffold import NotASite, ScaffoldError, new_digest

    try:
        path = new_digest(args.source, args.date or dt.date.today(), args.ids)
    except ScaffoldError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2 if isinstance(exc, NotASite) else 1
    print(f"created {path}")
    return 0


def run_serve(args) -> int:
    import shutil
    import tempfile

    from paperdigest.serve import PreviewSession, UnsafeOutput

    # A folder of its own: the preview never touches _site/, and the reload script is added to
    # responses only, so even this folder holds exactly what `paperdigest build` writes.
    scratch = None if args.out else Path(tempfile.mkdtemp(prefix="paperdigest-serve-"))
    try:
        session = PreviewSession(args.source, args.out or scratch / "site", drafts=args.drafts)
        session.serve(args.host, args.port, open_browser=args.open)
    except UnsafeOutput as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"error: cannot serve on {args.host}:{args.port}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("Stopped.")
        return 0
    finally:
        if scratch:
            shutil.rmtree(scratch, ignore_errors=True)
    return 0
