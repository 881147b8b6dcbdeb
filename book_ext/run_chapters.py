"""Execute each chapter once, the way a Colab reader would, and hand the outputs to the book build.

    python book_ext/run_chapters.py execute chapters/NN_name.ipynb OUT.ipynb
    python book_ext/run_chapters.py cache OUT_DIR/*.ipynb --into CACHE_DIR

``execute`` copies the chapter's ``.ipynb`` alone into an empty temporary folder (outside the
repository) and runs every cell there
with the interpreter that runs this script (the Makefile uses an environment where ``li2lib``
comes only from the wheel built from this repository, not from the source tree, and no data
folder is at hand). It fails on the first cell that raises, and on a kernel whose ``li2lib`` was
not imported from that environment. The executed notebook is written to ``OUT.ipynb``.

``cache`` puts executed notebooks into a jupyter-cache folder, keyed by the chapter's MyST text
as the book build reads it, so that ``jupyter-book build`` (with ``LI2_EXECUTED=CACHE_DIR``, see
``book_ext/li2book.py``) renders these outputs instead of executing the chapters again.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
PROBE = """\
import json as _json, os as _os, sys as _sys
import li2lib as _li2lib
print(_json.dumps({"li2lib": _li2lib.__file__, "cwd": _os.getcwd(), "path": _sys.path}))
"""


def execute(source: Path, target: Path, timeout: int = 900) -> float:
    """Run ``source`` alone in an empty folder beside ``target``; write the executed notebook."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    # outside the repository, so that no relative path can reach its files
    work = Path(tempfile.mkdtemp(prefix=f"li2-{source.stem}-"))
    shutil.copy(source, work / source.name)
    nb = nbformat.read(work / source.name, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(PROBE))
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=False,
                            record_timing=False, resources={"metadata": {"path": str(work)}})
    start = time.perf_counter()
    try:
        client.execute()
    except CellExecutionError as err:
        raise SystemExit(f"{source.name}: a cell failed when run from an empty folder:\n{err}") from None
    finally:
        shutil.rmtree(work, ignore_errors=True)
    seconds = time.perf_counter() - start

    probe = json.loads("".join(o.get("text", "") for o in nb.cells.pop().outputs))
    env = Path(sys.prefix).resolve()
    where = Path(probe["li2lib"]).resolve()
    if env not in where.parents:
        raise SystemExit(f"{source.name}: the kernel imported li2lib from {where}, not from {env}")
    for entry in probe["path"]:
        if entry and Path(entry).resolve() == ROOT:
            raise SystemExit(f"{source.name}: the repository {ROOT} was on the kernel's sys.path")
    # live widget state has no use in the static book (it shows precomputed players instead)
    nb.metadata.pop("widgets", None)
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, target)
    print(f"{source.name}: executed from an empty folder in {seconds:.0f} s against {where.parent}")
    return seconds


def _myst_config():
    import yaml
    from myst_parser.config.main import MdParserConfig

    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    return MdParserConfig(enable_extensions=set(config.get("parse", {}).get("myst_enable_extensions", [])))


def cache(executed: list[Path], into: Path) -> None:
    """Store each executed notebook under the key the book build computes from its ``.md``."""
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn
    from myst_nb.core.read import read_myst_markdown_notebook

    shutil.rmtree(into, ignore_errors=True)
    store = get_cache(str(into))
    md_config = _myst_config()
    for path in executed:
        source = ROOT / "chapters" / (path.stem + ".md")
        nb = read_myst_markdown_notebook(source.read_text(), config=md_config, add_source_map=True,
                                         path=str(source))
        ran = nbformat.read(path, as_version=4)
        code = [c for c in nb.cells if c.cell_type == "code"]
        done = [c for c in ran.cells if c.cell_type == "code"]
        if [c.source for c in code] != [c.source for c in done]:
            raise SystemExit(f"{path.name} does not hold the code of {source.name}: run `make sync`")
        for cell, result in zip(code, done):
            cell.outputs, cell.execution_count = result.outputs, result.execution_count
        nb.metadata["language_info"] = ran.metadata.get("language_info", {})
        store.cache_notebook_bundle(CacheBundleIn(nb, str(source)), check_validity=False, overwrite=True)
    (into / "expected.json").write_text(json.dumps({"records": len(store.list_cache_records())}))
    print(f"cached the outputs of {len(executed)} executed chapter(s) in {into}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("execute", help="execute one chapter from an empty folder")
    run.add_argument("source", type=Path)
    run.add_argument("target", type=Path)
    run.add_argument("--timeout", type=int, default=900, help="seconds per cell")
    put = sub.add_parser("cache", help="cache executed chapters for the book build")
    put.add_argument("executed", type=Path, nargs="+")
    put.add_argument("--into", type=Path, required=True)
    args = parser.parse_args(argv)
    if args.command == "execute":
        execute(args.source, args.target, args.timeout)
    else:
        cache(args.executed, args.into)
    return 0


if __name__ == "__main__":
    sys.exit(main())
