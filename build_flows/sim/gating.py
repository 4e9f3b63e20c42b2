"""What FracBNN's gate did on the simulated frames: per fractional unit, the outputs that needed
an LSB pass, the neuron folds that ran one, and the cycles that cost against a plain 2-bit unit on
the same binary lanes (which always runs both passes). A fractional unit's cycles depend on its
input, so the design's analytic cycles per frame for these inputs take each unit's exact count
(FracMVAU_bcnn.frame_cycles) in place of its worst case."""
import numpy as np
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.core.onnx_exec import execute_onnx
from qonnx.custom_op.registry import getCustomOp

FRACTIONAL_OP = "FracMVAU_bcnn"


def gate_report(df: ModelWrapper, view: ModelWrapper, df_inputs: list) -> dict | None:
    """None for a design without fractional units."""
    units = [(i, n) for i, n in enumerate(df.graph.node) if n.op_type == FRACTIONAL_OP]
    if not units:
        return None
    inputs = {i: [] for i, _ in units}
    for df_in in df_inputs:
        ctx = execute_onnx(view, {view.graph.input[0].name: df_in}, return_full_exec_context=True)
        for i, _ in units:
            inputs[i].append(np.asarray(ctx[view.graph.node[i].input[0]]))
    layers, cycles = [], {}
    for i, node in units:
        inst = getCustomOp(node)
        gates = inst.gate_pattern(df, np.stack(inputs[i]))
        frame_cycles = inst.frame_cycles(gates)
        plain = inst.plain_cycles()
        cycles[node.name] = float(frame_cycles.mean())
        layers.append({
            "layer": node.name, "outputs_per_frame": int(gates[0].size),
            "lsb_outputs_per_frame": float(gates.sum(axis=(1, 2)).mean()),
            "lsb_skipped_fraction": float(1 - gates.mean()),
            "cycles_per_frame": cycles[node.name], "worst_case_cycles_per_frame": int(inst.get_exp_cycles()),
            "plain_2bit_cycles_per_frame": plain, "cycles_saved_vs_plain": float(1 - frame_cycles.mean() / plain),
        })
    analytic = max(cycles.get(n.name, getCustomOp(n).get_exp_cycles()) for n in df.graph.node)
    return {"layers": layers, "analytic_cycles_per_frame": analytic}


def gate_line(report: dict) -> str:
    return "; ".join(f"{g['layer']}: LSB pass on {100 * (1 - g['lsb_skipped_fraction']):.1f} % of outputs, "
                     f"{g['cycles_per_frame']:.0f} cycles/frame ({100 * g['cycles_saved_vs_plain']:.0f} % fewer than a "
                     f"plain 2-bit unit's {g['plain_2bit_cycles_per_frame']})" for g in report["layers"])
