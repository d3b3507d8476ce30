"""build_history: runs grouped by suite and machine, ordered by time or commit, one series
per case x quantity, change detection on the long enough ones, bad input in one line."""

from __future__ import annotations

import json
import subprocess

import pytest
from history_helpers import ENV, record, stamp, write_run

from benchsuite.environment import machine_key
from benchsuite.errors import BenchsuiteError
from benchsuite.history import _changes, build_history
from benchsuite.history._model import Change
from benchsuite.history._output import history_dict, history_json


@pytest.fixture(autouse=True)
def step_detector(monkeypatch):
    """A stand-in for change-point detection: a step wherever a value is more than 1.5x
    (or less than 1/1.5 of) the one before. Records what it was called with."""
    calls: list[tuple[int, bool]] = []

    def detect(points, *, higher_is_better):
        calls.append((len(points), higher_is_better))
        out = []
        for i in range(1, len(points)):
            before, after = points[i - 1].value, points[i].value
            if after > 1.5 * before or after < before / 1.5:
                up = after > before
                out.append(
                    Change(
                        i,
                        points[i].run_id,
                        points[i].commit,
                        before,
                        after,
                        (after - before) / abs(before),
                        up != higher_is_better,
                    )
                )
        return out

    monkeypatch.setattr(_changes, "detect_changes", detect)
    return calls


def _series(history, case="iris/svm", quantity="fit_time_s", machine=None):
    found = [
        s
        for s in history.series
        if s.case_key == case and s.quantity == quantity and machine in (None, s.machine)
    ]
    assert len(found) == 1, found
    return found[0]


def test_a_step_is_found_and_short_series_say_not_enough_history(tmp_path, step_detector):
    n = _changes.MIN_POINTS
    for i in range(n):
        fit = {"iris/svm": 1.0 if i < 3 else 2.0}
        if i >= n - 2:
            fit["iris/knn"] = 0.5  # a case measured by the last two runs only
        write_run(tmp_path, "s", f"r{i}", started_at=stamp(i), fit=fit)
    history = build_history(tmp_path)
    fit = _series(history)
    assert [p.value for p in fit.points] == [1.0] * 3 + [2.0] * (n - 3)
    assert fit.status == "ok" and fit.unit == "s" and not fit.higher_is_better
    [change] = fit.changes
    assert (change.run_id, change.before, change.after, change.regression) == ("r3", 1.0, 2.0, True)
    assert [(s.case_key, s.quantity) for s, _ in history.regressions] == [
        ("iris/svm", "fit_time_s")
    ]
    acc = _series(history, quantity="metric:accuracy")
    assert acc.higher_is_better and acc.unit == "" and acc.changes == []
    knn = _series(history, case="iris/knn")
    assert knn.status == "not enough history" and knn.changes == [] and len(knn.points) == 2
    # detection was asked only of the long series, with the right direction
    assert (2, False) not in step_detector and (n, True) in step_detector
    assert history.runs == {("s", "m1"): [f"r{i}" for i in range(n)]}


def test_runs_are_ordered_by_start_time_not_by_folder_name(tmp_path):
    # folder names sort the other way round from the start times
    for name, day, fit in (("a", 2, 3.0), ("b", 0, 1.0), ("c", 1, 2.0)):
        write_run(tmp_path, "s", name, started_at=stamp(day), fit={"iris/svm": fit})
    history = build_history(tmp_path)
    points = _series(history).points
    assert [p.run_id for p in points] == ["b", "c", "a"]
    assert [p.value for p in points] == [1.0, 2.0, 3.0]


def test_runs_group_by_machine_and_an_old_run_gets_its_hardware_key(tmp_path):
    write_run(tmp_path, "s", "r0", started_at=stamp(0), fit={"iris/svm": 1.0}, machine="ci-a")
    write_run(tmp_path, "s", "r1", started_at=stamp(1), fit={"iris/svm": 5.0}, machine="ci-b")
    write_run(tmp_path, "s", "r2", started_at=stamp(2), fit={"iris/svm": 1.1}, machine="ci-a")
    write_run(tmp_path, "s", "old", started_at=stamp(3), fit={"iris/svm": 2.0}, machine=None)
    history = build_history(tmp_path)
    hw = machine_key(ENV)
    assert hw.startswith("hw-")
    assert history.runs == {("s", "ci-a"): ["r0", "r2"], ("s", "ci-b"): ["r1"], ("s", hw): ["old"]}
    assert [p.value for p in _series(history, machine="ci-a").points] == [1.0, 1.1]
    only = build_history(tmp_path, machine=hw)
    assert list(only.runs) == [("s", hw)] and {s.machine for s in only.series} == {hw}


def test_suites_are_grouped_never_mixed(tmp_path):
    write_run(tmp_path, "alpha", "r0", started_at=stamp(0), fit={"iris/svm": 1.0})
    write_run(tmp_path, "beta", "r1", started_at=stamp(1), fit={"iris/svm": 9.0})
    history = build_history(tmp_path)
    assert list(history.runs) == [("alpha", "m1"), ("beta", "m1")]
    fits = [s for s in history.series if s.quantity == "fit_time_s"]
    assert [(s.suite, [p.value for p in s.points]) for s in fits] == [
        ("alpha", [1.0]),
        ("beta", [9.0]),
    ]


def _git(repo, *args):
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True
    ).stdout.strip()


def test_git_orders_runs_by_commit_and_leaves_out_other_commits(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    _git(repo, "init", "-q")
    shas = []
    for i in range(3):
        (repo / "f").write_text(str(i))
        _git(repo, "add", "f")
        _git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", f"c{i}")
        shas.append(_git(repo, "rev-parse", "HEAD"))
    runs = tmp_path / "runs"
    # measured newest commit first: start time and commit order disagree
    for i, sha in enumerate(reversed(shas)):
        write_run(runs, "s", f"r{i}", started_at=stamp(i), commit=sha, fit={"iris/svm": 3.0 - i})
    write_run(runs, "s", "elsewhere", started_at=stamp(5), commit="f" * 40, fit={"iris/svm": 7.0})
    by_time = build_history(runs)
    assert [p.run_id for p in _series(by_time).points] == ["r0", "r1", "r2", "elsewhere"]
    by_commit = build_history(runs, git=repo)
    points = _series(by_commit).points
    assert [p.commit for p in points] == shas
    assert [p.run_id for p in points] == ["r2", "r1", "r0"]
    assert by_commit.options["order"] == "commit"
    assert any("1 run(s) left out" in n and "elsewhere" in n for n in by_commit.notes)
    with pytest.raises(BenchsuiteError, match="not a git repository"):
        build_history(runs, git=tmp_path / "runs")


def test_a_resumed_run_is_one_run_and_a_partial_run_is_marked(tmp_path):
    write_run(tmp_path, "s", "r0", started_at=stamp(0), fit={"iris/svm": 1.0, "iris/knn": 0.2})
    # resumed: its first error record was moved to superseded.jsonl; what remains counts
    folder = write_run(
        tmp_path,
        "s",
        "r1",
        started_at=stamp(1),
        records=[
            record("r1", "s", "iris/svm", 0, fit_time_s=1.0),
            record("r1", "s", "iris/knn", 0, fit_time_s=0.2),
            record("r1", "s", "iris/knn", 1, fit_time_s=0.3),
            record("r1", "s", "iris/knn", 2, fit_time_s=0.4),
            record("r1", "s", "iris/svm", 1, fit_time_s=2.0),  # re-measured by the resume
            record("r1", "s", "iris/svm", 2, fit_time_s=3.0),
        ],
        extra={"resumes": [{"started_at": stamp(1), "kept": 4, "superseded": 1}]},
    )
    bad = record("r1", "s", "iris/svm", 1, status="error", fit_time_s=50.0)
    (folder / "superseded.jsonl").write_text(json.dumps(bad) + "\n")
    # interrupted after one fold of one case
    write_run(
        tmp_path,
        "s",
        "r2",
        started_at=stamp(2),
        status="interrupted",
        records=[record("r2", "s", "iris/svm", 0, fit_time_s=4.0)],
    )
    history = build_history(tmp_path)
    assert history.runs == {("s", "m1"): ["r0", "r1", "r2"]}
    svm = _series(history).points
    assert [(p.run_id, p.value, p.low, p.high, p.n, p.partial) for p in svm] == [
        ("r0", 1.0, 1.0, 1.0, 3, False),
        ("r1", 2.0, 1.0, 3.0, 3, False),  # 50.0 was superseded: not in the series
        ("r2", 4.0, 4.0, 4.0, 1, True),
    ]
    knn = _series(history, case="iris/knn").points
    assert [p.run_id for p in knn] == ["r0", "r1"]  # the partial run never reached it


def test_filters_since_and_options(tmp_path):
    for i in range(3):
        write_run(
            tmp_path, "s", f"r{i}", started_at=stamp(i), fit={"iris/svm": 1.0, "wine/knn": 2.0}
        )
    history = build_history(tmp_path, pattern="iris", since="2026-01-02")
    assert {s.case_key for s in history.series} == {"iris/svm"}
    assert history.runs == {("s", "m1"): ["r1", "r2"]}
    assert history.options["since"].startswith("2026-01-02T00:00:00")
    glob = build_history(tmp_path, pattern=["w*/k?n"])
    assert {s.case_key for s in glob.series} == {"wine/knn"}


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (
            {"machine": "nope"},
            r"--machine nope: no run on that machine .*machines with runs: m1, m2",
        ),
        ({"since": "yesterday"}, r"--since 'yesterday' is not a date"),
        ({"since": "2027-01-01"}, r"no run started since then"),
        ({"pattern": "mnist"}, r"-f mnist: no case"),
    ],
)
def test_bad_input_is_one_clear_error(tmp_path, kwargs, match):
    write_run(tmp_path, "s", "r0", started_at=stamp(0), fit={"iris/svm": 1.0})
    write_run(tmp_path, "s", "r1", started_at=stamp(1), fit={"iris/svm": 1.0}, machine="m2")
    with pytest.raises(BenchsuiteError, match=match):
        build_history(tmp_path, **kwargs)


def test_missing_empty_and_unreadable_folders(tmp_path):
    with pytest.raises(BenchsuiteError, match="no such folder"):
        build_history(tmp_path / "nope")
    with pytest.raises(BenchsuiteError, match="no run found"):
        build_history(tmp_path)
    folder = write_run(tmp_path, "s", "r0", started_at=stamp(0), fit={"iris/svm": 1.0})
    (folder / "run.json").write_text("")
    with pytest.raises(BenchsuiteError, match=r"no readable run \(1 skipped\)"):
        build_history(tmp_path)
    write_run(tmp_path, "s", "r1", started_at=stamp(1), fit={"iris/svm": 1.0})
    history = build_history(tmp_path)
    assert history.runs == {("s", "m1"): ["r1"]}
    assert len(history.skipped) == 1 and "r0" in history.skipped[0]


def test_json_holds_every_series_point_and_change(tmp_path):
    n = _changes.MIN_POINTS
    for i in range(n):
        write_run(tmp_path, "s", f"r{i}", started_at=stamp(i), fit={"iris/svm": 1.0 + (i >= 3)})
    history = build_history(tmp_path)
    data = json.loads(history_json(history))
    assert data == history_dict(history)
    [group] = data["groups"]
    assert (group["suite"], group["machine"]) == ("s", "m1")
    assert [r["run_id"] for r in group["runs"]] == [f"r{i}" for i in range(n)]
    assert group["runs"][0] == {
        "run_id": "r0",
        "started_at": stamp(0),
        "commit": None,
        "branch": None,
        "dirty": False,
        "partial": False,
    }
    fit = next(s for s in data["series"] if s["quantity"] == "fit_time_s")
    assert fit["points"]["value"] == [1.0] * 3 + [2.0] * (n - 3)
    assert fit["points"]["run"] == list(range(n))  # positions in the group's runs
    assert fit["changes"][0]["run_id"] == "r3"
    assert data["regressions"][0]["relative"] == pytest.approx(1.0)
    assert set(fit["points"]) == {"run", "value", "low", "high", "n"}
    assert fit["points"]["n"] == [3] * n


def test_options_say_how_the_index_served(tmp_path):
    write_run(tmp_path, "s", "r0", started_at=stamp(0), fit={"iris/svm": 1.0})
    assert build_history(tmp_path).options["index"] == "built"
    assert build_history(tmp_path).options["index"] == "used"
    write_run(tmp_path, "s", "r1", started_at=stamp(1), fit={"iris/svm": 1.0})
    history = build_history(tmp_path)
    assert (history.options["index"], history.options["runs_read"]) == ("updated", 1)
    (tmp_path / ".benchsuite-history.parquet").write_bytes(b"junk")
    assert build_history(tmp_path).options["index"] == "rebuilt"
    assert build_history(tmp_path, use_index=False).options["index"] == "none"


def test_runs_are_ordered_by_the_time_they_started_whatever_its_offset(tmp_path):
    # 11:00+05:00 is 06:00 UTC, before 10:00 UTC; 09:00Z before both: not the string order
    for name, started, fit in (
        ("a", "2026-01-01T10:00:00.000+00:00", 3.0),
        ("b", "2026-01-01T11:00:00.000+05:00", 2.0),
        ("c", "2026-01-01T05:00:00Z", 1.0),
    ):
        write_run(tmp_path, "s", name, started_at=started, fit={"iris/svm": fit})
    history = build_history(tmp_path)
    assert history.runs == {("s", "m1"): ["c", "b", "a"]}
    assert [p.value for p in _series(history).points] == [1.0, 2.0, 3.0]


def test_a_run_found_twice_is_one_point(tmp_path):
    # results/ci/<run-id> and its copy committed as results/baseline/ci/<run-id>
    for i in range(3):
        write_run(tmp_path, "ci", f"r{i}", started_at=stamp(i), fit={"iris/svm": 1.0 + i})
    write_run(tmp_path / "baseline", "ci", "r1", started_at=stamp(1), fit={"iris/svm": 2.0})
    history = build_history(tmp_path)
    assert history.runs == {("ci", "m1"): ["r0", "r1", "r2"]}
    assert [p.run_id for p in _series(history).points] == ["r0", "r1", "r2"]
    assert any("r1" in note and "baseline" in note for note in history.notes)


def test_a_run_json_with_a_machine_that_is_not_a_string_is_read(tmp_path):
    # a hand-edited run.json ("machine": 5): its runs group under "5", no crash sorting keys
    write_run(tmp_path, "s", "r0", started_at=stamp(0), fit={"iris/svm": 1.0})
    write_run(tmp_path, "s", "r1", started_at=stamp(1), fit={"iris/svm": 1.0}, machine=5)
    history = build_history(tmp_path)
    assert history.runs == {("s", "5"): ["r1"], ("s", "m1"): ["r0"]}
    assert build_history(tmp_path, machine="5").runs == {("s", "5"): ["r1"]}


def test_a_run_json_without_started_at_is_placed_by_its_first_record(tmp_path):
    for i in range(3):
        write_run(tmp_path, "s", f"r{i}", started_at=stamp(i), fit={"iris/svm": 1.0 + i})
    folder = write_run(
        tmp_path,
        "s",
        "late",
        started_at=stamp(9),
        records=[
            record("late", "s", "iris/svm", f, fit_time_s=4.0, started_at=stamp(5))
            for f in range(3)
        ],
    )
    info = json.loads((folder / "run.json").read_text())
    del info["started_at"]
    (folder / "run.json").write_text(json.dumps(info))
    history = build_history(tmp_path)
    assert history.runs == {("s", "m1"): ["r0", "r1", "r2", "late"]}
    assert build_history(tmp_path, since="2026-01-05").runs == {("s", "m1"): ["late"]}


@pytest.mark.parametrize("field", ["config_hash", "dataset_fingerprint"])
def test_no_change_is_found_across_a_change_of_the_case_definition(tmp_path, field):
    # the suite gave svm other params (or the dataset other content) at r6: the fit time
    # doubles, as compare's not-comparable, not as a regression
    for i in range(12):
        write_run(
            tmp_path,
            "s",
            f"r{i:02d}",
            started_at=stamp(i),
            records=[
                record(
                    f"r{i:02d}",
                    "s",
                    "iris/svm",
                    f,
                    fit_time_s=1.0 if i < 6 else 2.0,
                    **{field: "a" if i < 6 else "b"},
                )
                for f in range(3)
            ],
        )
    history = build_history(tmp_path)
    fit = _series(history)
    assert len(fit.points) == 12 and fit.changes == [] and fit.status == "ok"
    assert any("iris/svm" in n and "r06" in n and "definition" in n for n in history.notes)
    # within one definition a step is still found
    write_run(
        tmp_path,
        "s",
        "r12",
        started_at=stamp(12),
        records=[
            record("r12", "s", "iris/svm", f, fit_time_s=5.0, **{field: "b"}) for f in range(3)
        ],
    )
    (change,) = _series(build_history(tmp_path)).changes
    assert change.run_id == "r12" and change.index == 12


def test_quantities_list_metrics_first_and_batch_sizes_as_numbers():
    from benchsuite.history._series import _quantity_order

    quantities = [
        "inference:1024:median_s",
        "inference:64:median_s",
        "fit_time_s",
        "metric:accuracy",
        "inference:64:throughput_per_s",
        "peak_rss_mb",
        "predict_time_s",
    ]
    assert sorted(quantities, key=_quantity_order) == [
        "metric:accuracy",
        "fit_time_s",
        "predict_time_s",
        "peak_rss_mb",
        "inference:64:median_s",
        "inference:64:throughput_per_s",
        "inference:1024:median_s",
    ]
