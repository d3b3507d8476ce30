"""Grid points keep their labels in every terminal table: ``rf[max_depth=3]`` is text, not
rich markup (which swallowed ``[max_depth=3]`` and printed two rows named ``iris/rf``)."""

from __future__ import annotations

from e2e_helpers import bench

SUITE = """
name: grid
defaults: {evaluation: {cv: 2}}
datasets: [iris]
estimators: [{name: rf, model: rf, params: {n_estimators: 5}, grid: {max_depth: [3, 5]}}]
"""


def test_grid_labels_survive_the_plan_the_run_the_report_and_compare(tmp_path):
    suite = tmp_path / "grid.yaml"
    suite.write_text(SUITE)
    dry = bench("run", suite, "--dry-run")
    assert "iris/rf[max_depth=3]" in dry.stdout and "iris/rf[max_depth=5]" in dry.stdout
    run = bench("run", suite, "-q", "-o", tmp_path, "--run-id", "a")
    assert run.returncode == 0, run.stderr
    assert "rf[max_depth=3]" in run.stdout and "rf[max_depth=5]" in run.stdout
    folder = tmp_path / "grid" / "a"
    report = bench("report", folder)
    assert report.stdout.count("rf[max_depth=3]") >= 2  # the metric and the cost tables
    compared = bench("compare", folder, folder)
    assert "iris/rf[max_depth=3]" in compared.stdout
