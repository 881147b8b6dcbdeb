"""The console command: where runs go, one-line errors, the figures' counts."""

import subprocess
import sys
import textwrap
from pathlib import Path

import torch

import li2lib


def li2lib_command(*args, cwd):
    return subprocess.run([sys.executable, "-m", "li2lib", *args], capture_output=True, text=True, cwd=cwd)


def one_line_error(out) -> str:
    assert out.returncode == 1 and "Traceback" not in out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("li2lib: error: "), out.stderr
    return lines[0]


def test_a_named_sweep_goes_to_li2lib_runs_not_into_the_package(tmp_path):
    script = textwrap.dedent("""
        import li2lib.experiments.registry as registry
        registry.SWEEPS["tiny"] = dict(group=5, base=dict(hidden=8, epochs=3, device="cpu"), runs=[dict(seed=0), dict(seed=1)])
        from li2lib.cli import main
        main(["sweep", "tiny"])
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "tiny: 2 runs on Z_5 in li2lib-runs/tiny" in out.stdout
    assert len(list((tmp_path / "li2lib-runs" / "tiny").glob("*.npz"))) == 2
    assert not (Path(li2lib.__file__).parent / "stored" / "tiny").exists()


def test_errors_are_one_line(tmp_path):
    if not torch.cuda.is_available():
        line = one_line_error(li2lib_command("sweep", "knobs", "--device", "cuda", cwd=tmp_path))
        assert "--device: device 'cuda' was asked for but CUDA is not available" in line
    line = one_line_error(li2lib_command("figure", "fig3", "--scale", "paper", "--no-train", cwd=tmp_path))
    assert "no run of the sweep fig3-paper is saved in li2lib-runs/fig3-paper" in line
    assert "train them with: li2lib sweep fig3-paper (or drop --no-train)" in line
    line = one_line_error(li2lib_command("sweep", "--spec", "missing.toml", cwd=tmp_path))
    assert "spec must be an existing file, got 'missing.toml'" in line
    assert not list(tmp_path.iterdir())


def test_fig3_counts_its_one_stored_run_once(tmp_path):
    """The knobs sweep lists the base setting four times (once per knob); it is one run."""
    out = li2lib_command("figure", "fig3", "--scale", "cpu", "--no-train", "--out", "fig3.png", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "(1 run(s))" in out.stdout and (tmp_path / "fig3.png").exists()
    assert not (tmp_path / "li2lib-runs").exists()  # the stored data were read where they are
    listing = li2lib_command("sweeps", cwd=tmp_path).stdout
    assert "knobs: 13 runs" in listing
