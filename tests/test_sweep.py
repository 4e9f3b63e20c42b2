"""Sweeps on Ray: candidate designs (Ray tasks) and training runs (Ray Tune trials), in-process and
on a Ray cluster of two one-CPU worker nodes started here, with identical results; results cached
by content and resumed."""
import json
import time

import pytest
import ray
from click.testing import CliRunner
from ray.cluster_utils import Cluster

from build_flows.cli import main
from build_flows.config import BuildConfig
from build_flows.flow import run_build
from build_flows.analysis.report import load_estimates
from build_flows.explore.sweep.designs import design_specs, evaluate_design, fastest_fitting, folding_candidates
from build_flows.explore.sweep.engine import ResultCache, content_key, run_tasks, run_trials
from build_flows.explore.sweep.training import trainer, training_specs
from models.errors import BcnnError

COMMON = {"board": "Pynq-Z1", "clock_ns": None, "lut_cap": 0.85, "outputs": ["estimates", "rtl", "sim"], "seed": 0}
# what a design row measures (not where or how long it ran)
MEASURED = ("design", "cycles_per_frame", "lut_estimated", "bram_18k_estimated", "fifo_bits", "folding",
            "sim_bit_exact", "sim_cycles_per_frame")


@pytest.fixture(scope="module")
def two_workers():
    """A Ray cluster on this machine: a head node without CPUs and two worker nodes of one CPU each."""
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 0, "include_dashboard": False})
    nodes = [cluster.add_node(num_cpus=1) for _ in range(2)]
    cluster.wait_for_nodes()
    yield cluster.address, {node.node_id for node in nodes}
    cluster.shutdown()


@pytest.fixture(scope="module")
def local_ray():
    """One private Ray session for the in-process sweeps of this module: run_tasks uses a caller's
    session, so its workers (and their imports of FINN+ and torch) start once, not per sweep."""
    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


@pytest.fixture
def no_ray_session():
    """For sweeps that must open their own session (a cluster's address, an unreachable one)."""
    ray.shutdown()


@pytest.fixture(scope="module")
def tfc_specs(exported):
    model = exported("tfc_w1a1")
    foldings = folding_candidates(fastest_scales=[1.0], target_fps=[100_000])
    return model, design_specs(model, COMMON, foldings, fifo_depths=[2])


@pytest.fixture(scope="module")
def in_process_rows(tfc_specs, tmp_path_factory, local_ray):
    model, specs = tfc_specs
    cache = ResultCache(tmp_path_factory.mktemp("sweep") / "cache")
    return cache, run_tasks(evaluate_design, specs, "designs", cache, shared=model.read_bytes(), jobs=2)


def test_design_sweep_builds_simulates_and_picks_the_fastest_that_fits(tfc_specs, in_process_rows, tmp_path):
    model, specs = tfc_specs
    _, rows = in_process_rows
    assert [r["key"] for r in rows] == [content_key("designs", s) for s in specs]
    fastest, setfolding = rows
    assert not fastest["cached"] and fastest["design"] == "fastest x1, FIFO 2"
    for row in rows:  # every candidate simulated on every stream at its analytic interval
        assert row["sim_bit_exact"] and row["sim_cycles_per_frame"] == row["cycles_per_frame"]
    assert fastest["cycles_per_frame"] < setfolding["cycles_per_frame"]
    assert fastest_fitting(rows) is fastest
    # the folding a row reports rebuilds the same design
    (tmp_path / "folding.json").write_text(json.dumps(fastest["folding"]))
    again = run_build(BuildConfig(model=str(model), out=str(tmp_path / "b"), folding=str(tmp_path / "folding.json"),
                                  fifo_depth=2), show_progress=False)
    assert load_estimates(again)["analytic_cycles_per_frame"] == fastest["cycles_per_frame"]


def test_cached_rows_need_no_ray_and_a_lost_result_reruns_alone(tfc_specs, in_process_rows, local_ray):
    model, specs = tfc_specs
    cache, rows = in_process_rows
    # everything cached: nothing runs, so even an address where no cluster listens is never contacted
    # (a session of our own open or not)
    again = run_tasks(evaluate_design, specs, "designs", cache, shared=model.read_bytes(), address="127.0.0.1:9")
    assert [r["cached"] for r in again] == [True, True]
    assert [{k: r[k] for k in MEASURED} for r in again] == [{k: r[k] for k in MEASURED} for r in rows]
    # a result lost (a sweep stopped before it finished): only that candidate runs again
    (cache.root / f"{rows[1]['key']}.json").unlink()
    resumed = run_tasks(evaluate_design, specs, "designs", cache, shared=model.read_bytes(), jobs=1)
    assert [r["cached"] for r in resumed] == [True, False]
    assert resumed[1]["cycles_per_frame"] == rows[1]["cycles_per_frame"]


def test_a_shipped_folding_is_a_candidate_by_name_and_by_content(tmp_path):
    from build_flows.config import shipped_foldings

    (by_name,) = folding_candidates(folding_files=["tfc_w1a1"])
    assert by_name["folding_json"] == json.loads(shipped_foldings()["tfc_w1a1"].read_text())
    with pytest.raises(BcnnError, match="no such file"):
        folding_candidates(folding_files=[str(tmp_path / "missing.json")])


def test_the_key_follows_the_content(tfc_specs):
    _, specs = tfc_specs
    key = content_key("designs", specs[0])
    assert key == content_key("designs", dict(reversed(specs[0].items())))
    assert key != content_key("designs", {**specs[0], "fifo_depth": 3})
    assert key != content_key("designs", {**specs[0], "model_sha256": "0" * 64})


@pytest.mark.heavy  # a Ray cluster started in the test; CI runs the same sweeps in process
def test_design_sweep_on_a_two_worker_cluster_equals_in_process(two_workers, tfc_specs, in_process_rows, tmp_path,
                                                                 no_ray_session):
    address, workers = two_workers
    model, specs = tfc_specs
    _, local = in_process_rows
    rows = run_tasks(evaluate_design, specs, "designs", ResultCache(tmp_path / "cache"), shared=model.read_bytes(),
                     address=address)
    assert not any(r["cached"] for r in rows)
    assert [{k: r[k] for k in MEASURED} for r in rows] == [{k: r[k] for k in MEASURED} for r in local]
    assert {r["node"] for r in rows} == workers  # one CPU per worker: the two candidates ran on both


def test_a_failing_candidate_is_reported_and_not_cached(exported, tmp_path, local_ray):
    model = exported("tfc_w1a1")
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"MVAU_bcnn_9": {"PE": 1}}))
    specs = design_specs(model, {**COMMON, "outputs": ["estimates"]}, folding_candidates(folding_files=[bad]))
    cache = ResultCache(tmp_path / "cache")
    (row,) = run_tasks(evaluate_design, specs, "designs", cache, shared=model.read_bytes(), jobs=1)
    assert "MVAU_bcnn_9" in row["error"] and "BcnnError" in row["error"]
    assert not list(cache.root.glob("*.json")) and fastest_fitting([row]) is None


@pytest.mark.heavy  # a Ray cluster started in the test
def test_training_sweep_on_tune_on_the_cluster_and_in_process(two_workers, tmp_path, no_ray_session):
    address, workers = two_workers
    specs = training_specs(["tfc_w1a1"], ["ste"], [0, 1], ["digits"], epochs=2, limit=1000)
    # the cluster first: Tune in-process, then on a cluster, in one process, loses its trials (Ray 2.60);
    # each `bcnn sweep` is a process of its own
    remote = run_trials(trainer(tmp_path / "b" / "runs"), specs, "train", ResultCache(tmp_path / "b" / "cache"),
                        tmp_path / "b" / "tune", address=address)
    local = run_trials(trainer(tmp_path / "a" / "runs"), specs, "train", ResultCache(tmp_path / "a" / "cache"),
                       tmp_path / "a" / "tune", jobs=2)
    assert [r["test_accuracy"] for r in local] == [r["test_accuracy"] for r in remote]
    assert local[0]["test_accuracy"] != local[1]["test_accuracy"]  # the seeds are two real runs
    assert min(r["test_accuracy"] for r in local) > 15  # trained: above chance (10 %) on digits
    assert {r["node"] for r in remote} == workers
    for r in remote:  # trained where the spec says, checkpoint and metrics written
        assert (tmp_path / "b" / "runs" / r["run"] / "checkpoint.pt").is_file()
    again = run_trials(trainer(tmp_path / "b" / "runs"), specs, "train", ResultCache(tmp_path / "b" / "cache"),
                       tmp_path / "b" / "tune", address="127.0.0.1:9")
    assert all(r["cached"] for r in again) and again[0]["test_accuracy"] == remote[0]["test_accuracy"]


def test_an_unreachable_cluster_is_one_clear_error(tfc_specs, tmp_path, no_ray_session):
    model, specs = tfc_specs
    start = time.perf_counter()
    with pytest.raises(BcnnError, match=r"--address 127.0.0.1:9: no Ray cluster answers there.*ray start --head"):
        run_tasks(evaluate_design, specs, "designs", ResultCache(tmp_path), shared=model.read_bytes(),
                  address="127.0.0.1:9")
    assert time.perf_counter() - start < 30


@pytest.mark.parametrize("args, message", [
    (["designs", "M.onnx", "--out", "o", "--fastest", "1"], "M.onnx: no such QONNX model"),
    (["designs", "{model}", "--out", "o"], "needs at least one folding candidate"),
    (["designs", "{model}", "--out", "o", "--fastest", "1,x"], "--fastest 1,x: expected comma-separated numbers"),
    (["designs", "{model}", "--out", "o", "--fastest", "1", "--fifo-depth", "0"], "--fifo-depth 0: every value"),
    (["designs", "{model}", "--out", "o", "--fastest", "1", "--outputs", "bits"], "unknown output(s) bits"),
    (["designs", "{model}", "--out", "o", "--fastest", "1", "--address", "nowhere"], "--address nowhere: expected HOST:PORT"),
    (["train", "--out", "o", "--models", "tfc_w1a1", "--methods", "magic"], "unknown method(s) magic"),
    (["train", "--out", "o", "--models", "tfc_w1a1", "--seeds", "a"], "--seeds a: expected comma-separated integers"),
])
def test_bad_sweep_options_are_one_line_errors(exported, tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    args = [a.replace("{model}", str(exported("tfc_w1a1"))) for a in args]
    result = CliRunner().invoke(main, ["sweep", *args])
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output
    assert not (tmp_path / "o" / "results.json").exists()
