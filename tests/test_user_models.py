"""Models bcnn did not write (models/user_style): every corpus pattern builds and simulates
bit-exact on every stream under random backpressure at <= 1.05x the analytic cycles, the 32x32
ResNet after brief training; a few fuzzer seeds end exact or in a one-line refusal, never a crash."""
import json
from pathlib import Path

import pytest

from build_flows.explore.user_models import CYCLES_TOLERANCE, check_model
from build_flows.verify import VerificationError
from models.errors import BcnnError
from models.user_style.corpus import CORPUS, make_model
from models.user_style.fuzz import random_spec
from models.user_style.train_briefly import train_briefly

# Seeds of the fuzzer CI runs (bench/fuzz runs hundreds): a spread of what it draws.
FUZZ_SEEDS = (3, 11, 27)


@pytest.mark.slow
@pytest.mark.parametrize("name", [n for n in CORPUS if n != "resnet_32x32"])
def test_corpus_model_is_bit_exact_under_backpressure(name, tmp_path):
    outcome = check_model(CORPUS[name], tmp_path)
    assert outcome.outcome == "exact", outcome.as_dict()
    assert outcome.cycles_ratio <= CYCLES_TOLERANCE and outcome.streams >= 5


@pytest.mark.slow
@pytest.mark.heavy  # the corpus' residual_shortcuts and binary_same_padding build the same kinds of layer in CI
def test_a_briefly_trained_32x32_resnet_is_bit_exact(tmp_path):
    """padding=1 binary convolutions, strided 1x1 downsampling shortcuts, a global-average-pooling
    head, input normalised outside: trained on stand-in data (digits at 32x32x3), then built."""
    spec = CORPUS["resnet_32x32"]
    model = make_model(spec, seed=0)
    accuracy = train_briefly(model, steps=150)
    assert accuracy > 0.5  # it learned: trained tensors, not random ones
    outcome = check_model(spec, tmp_path, model=model)
    assert outcome.outcome == "exact", outcome.as_dict()


@pytest.mark.slow
@pytest.mark.parametrize("seed", FUZZ_SEEDS)
def test_fuzzed_models_end_exact_or_refused_never_crash(seed, tmp_path):
    outcome = check_model(random_spec(seed), tmp_path, seed=seed)
    assert outcome.outcome in ("exact", "refused"), outcome.as_dict()
    if outcome.outcome == "refused":
        assert "'" in outcome.message  # names the node, layer, file or option at fault


def fake_flow(monkeypatch, build_error=None, bit_exact=True, cycles=100.0, residual=0.0):
    """The harness around stand-ins for the build and the simulation (its verdicts, not the flow)."""
    import build_flows.explore.user_models as harness

    def run_build(cfg, show_progress=True):
        if build_error:
            raise build_error
        (Path(cfg.out) / "report").mkdir(parents=True)
        (Path(cfg.out) / "report" / "verification.json").write_text(json.dumps([{"step": "tidy", "samples": 7}]))
        return cfg.out

    def simulate(build, **kwargs):
        return {"bit_exact": bit_exact, "first_mismatch": None if bit_exact else {"where": "stage X frame 0"},
                "cycles_per_frame": cycles, "analytic_cycles_per_frame": 100, "streams": [0] * 6}

    monkeypatch.setattr(harness, "run_build", run_build)
    monkeypatch.setattr(harness, "simulate", simulate)
    monkeypatch.setattr(harness, "export_model", lambda *args, **kwargs: None)
    monkeypatch.setattr(harness, "score_residual", lambda build, seed: residual)


@pytest.mark.parametrize("case, expected", [
    (dict(), ("exact", "")),
    (dict(bit_exact=False), ("crash", "not bit-exact: stage X")),
    (dict(cycles=106.0), ("crash", "1.060x the analytic")),
    (dict(residual=0.01), ("crash", "class scores are not the QONNX model's logits")),
    (dict(build_error=BcnnError("m.onnx: node 'Conv_0' is not supported")), ("refused", "node 'Conv_0'")),
    (dict(build_error=VerificationError("after step 'x': sample 0 gives class 1")), ("crash", "VerificationError")),
    (dict(build_error=AssertionError("assert x >= 0")), ("crash", "AssertionError")),
    (dict(build_error=BcnnError("two\nlines")), ("crash", "BcnnError")),
])
def test_the_harness_counts_what_it_sees(case, expected, tmp_path, monkeypatch):
    """Each verdict can be reached: a differing stream, a slow design, an internal exception or a
    verification failure is a crash; only a one-line BcnnError is a refusal."""
    fake_flow(monkeypatch, **case)
    outcome = check_model(CORPUS["bnn_pynq_style"], tmp_path)
    assert outcome.outcome == expected[0] and expected[1] in outcome.message, outcome.as_dict()
    if expected[0] == "exact":  # the inputs compared with the float reference, from the build's report
        assert outcome.reference_samples == 7


def test_every_spec_the_fuzzer_draws_is_a_model():
    """Seeds 0..299 (bench/fuzz's): the generator's own shape bookkeeping never yields a network
    torch cannot build (seed 270 once paired a strided body with a smaller average-pool shortcut)."""
    from models.user_style.net import UserNet

    for seed in range(300):
        UserNet(random_spec(seed))
