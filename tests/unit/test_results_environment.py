"""The environment a run records (``benchsuite.environment.capture_environment``): the same
values, captured at a smaller start-up cost (issue 12)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

from benchsuite import environment
from benchsuite.environment import capture_environment, prefetch_environment

SMI_LINE = "NVIDIA H100 80GB HBM3, 81559, 550.54.15"
GPU = {"name": "NVIDIA H100 80GB HBM3", "memory_gb": 79.65, "driver": "550.54.15"}


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.email=t@example.com", "-c", "user.name=t", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository with one commit of one file."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    path = tmp_path / "repo"
    path.mkdir()
    _git(path, "init", "-q", ".")
    (path / "a.txt").write_text("a\n")
    _git(path, "add", "a.txt")
    _git(path, "commit", "-q", "-m", "first")
    return path


@pytest.fixture
def fake_smi(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An ``nvidia-smi`` on PATH that reports one GPU."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "nvidia-smi"
    fake.write_text(f"#!/bin/sh\necho '{SMI_LINE}'\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    return fake


def test_package_versions_are_importlib_metadata_versions():
    names = list(environment._PACKAGES) + sorted(
        {d.metadata["Name"] for d in metadata.distributions() if d.metadata["Name"]}
    )
    for name in names:
        try:
            expected = metadata.version(name)
        except metadata.PackageNotFoundError:
            expected = None
        assert environment._distribution_version(name) == expected, name


def test_package_versions_do_not_parse_whole_metadata_files(monkeypatch):
    # Distribution.metadata parses the whole METADATA file (email parser): ~1 ms a package
    def refuse(self):
        raise AssertionError("parsed a whole METADATA file")

    monkeypatch.setattr(metadata.Distribution, "metadata", property(refuse))
    versions = environment._package_versions()
    assert versions["scikit-learn"] and versions["numpy"]


def test_git_commit_and_dirty_flag_from_one_process(repo, monkeypatch):
    calls = []
    real_run = subprocess.run

    def counting_run(cmd, *args, **kwargs):
        calls.append(cmd)
        return real_run(cmd, *args, **kwargs)

    head = _git(repo, "rev-parse", "HEAD")
    branch = _git(repo, "rev-parse", "--abbrev-ref", "HEAD")
    monkeypatch.setattr(environment.subprocess, "run", counting_run)
    clean = {"sha": head, "branch": branch, "dirty": False}
    assert environment._git_sha(repo) == clean
    assert len(calls) == 1
    monkeypatch.undo()
    (repo / "new.txt").write_text("untracked files do not make a tree dirty\n")
    assert environment._git_sha(repo) == clean
    (repo / "a.txt").write_text("changed\n")
    assert environment._git_sha(repo) == {**clean, "dirty": True}
    _git(repo, "add", "a.txt")  # staged counts too
    assert environment._git_sha(repo) == {**clean, "dirty": True}
    _git(repo, "checkout", "-q", "-b", "feature/x")
    assert environment._git_sha(repo)["branch"] == "feature/x"
    _git(repo, "checkout", "-q", "--detach")
    assert environment._git_sha(repo)["branch"] is None  # detached HEAD: no branch


def test_git_is_none_outside_a_repository_and_before_the_first_commit(tmp_path):
    assert environment._git_sha(tmp_path) is None
    if shutil.which("git") is None:
        return
    empty = tmp_path / "empty"
    empty.mkdir()
    _git(empty, "init", "-q", ".")
    assert environment._git_sha(empty) is None


def test_prefetched_environment_is_the_same_as_captured_now(repo, fake_smi, monkeypatch):
    monkeypatch.delitem(sys.modules, "torch", raising=False)
    direct = capture_environment(cwd=repo)
    prefetch_environment(repo)
    prefetched = capture_environment(cwd=repo)
    for env in (direct, prefetched):
        env.pop("load_average")
    assert prefetched == direct
    assert direct["gpus"] == [GPU] and direct["git"]["sha"] == _git(repo, "rev-parse", "HEAD")
    assert "torch" not in sys.modules


def test_prefetched_answers_are_used_once_and_only_for_their_folder(repo, fake_smi, monkeypatch):
    prefetch_environment(repo)
    environment._PREFETCH[-1][1].join()

    def refuse(*args, **kwargs):
        raise AssertionError("asked git or nvidia-smi again")

    monkeypatch.setattr(environment, "_git_sha", refuse)
    monkeypatch.setattr(environment, "_nvidia_smi_gpus", refuse)
    env = capture_environment(cwd=repo)  # served by the prefetch
    assert env["gpus"] == [GPU] and env["git"]["dirty"] is False
    with pytest.raises(AssertionError, match="asked"):
        capture_environment(cwd=repo)  # used up: a later capture asks again
    prefetch_environment(repo)
    with pytest.raises(AssertionError, match="asked"):
        capture_environment(cwd=repo.parent)  # another folder's commit: not this answer
    environment._PREFETCH.clear()


def test_thread_variables_are_recorded_with_the_openblas_core_type(monkeypatch):
    for var in environment.THREAD_VARS:
        monkeypatch.setenv(var, "3")
    monkeypatch.setenv("OPENBLAS_CORETYPE", "Haswell")
    recorded = capture_environment()["env_threads"]
    assert recorded == {
        **dict.fromkeys(environment.THREAD_VARS, "3"),
        "OPENBLAS_CORETYPE": "Haswell",
    }
    assert len(environment.THREAD_VARS) == 5 and "VECLIB_MAXIMUM_THREADS" in recorded
    monkeypatch.delenv("NUMEXPR_NUM_THREADS")
    assert "NUMEXPR_NUM_THREADS" not in capture_environment()["env_threads"]


def test_usable_cores_is_the_affinity_mask_and_at_least_one(monkeypatch):
    if hasattr(environment.os, "sched_getaffinity"):
        assert environment.usable_cores() == len(environment.os.sched_getaffinity(0))
        monkeypatch.setattr(environment.os, "sched_getaffinity", lambda pid: set())
        assert environment.usable_cores() == 1
        monkeypatch.delattr(environment.os, "sched_getaffinity")
    monkeypatch.setattr(environment.os, "cpu_count", lambda: None)
    assert environment.usable_cores() == 1
    # what a run records: None where the OS has no affinity mask, never a guess
    assert capture_environment()["cpu"]["usable_cores"] is None
