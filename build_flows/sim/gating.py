"""What FracBNN's gate did on the simulated frames: per fractional unit, the outputs that needed
an LSB pass, the neuron folds that ran one, and the cycles that cost against a plain 2-bit unit on
the same binary lanes (which always runs both passes). A fractional unit's cycles depend on its
input, so the design's analytic cycles per frame for these inputs take each unit's exact count
(FracMVAU_bcnn.frame_cycles) in place of its worst case."""
import numpy as np
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.custom_op.registry import getCustomOp

FRACTIONAL_OP = "FracMVAU_bcnn"


class GateRecorder:
    """Collects each fractional unit's input codes from the reference execution of every frame
    (`observe` of streams.reference_digests), so the gate pattern needs no second execution."""

    def __init__(self, df: ModelWrapper):
        self.df = df
        self.units = df.get_nodes_by_op_type(FRACTIONAL_OP)
        tensors = [t for node in df.graph.node for t in node.output]
        self.index = {n.name: tensors.index(n.input[0]) if n.input[0] in tensors else None for n in self.units}
        self.inputs = {n.name: [] for n in self.units}

    def observe(self, df_input, outputs: list) -> None:
        for node in self.units:
            index = self.index[node.name]
            self.inputs[node.name].append(np.asarray(df_input if index is None else outputs[index]))

    def report(self) -> dict | None:
        """None for a design without fractional units."""
        if not self.units:
            return None
        layers, cycles = [], {}
        for node in self.units:
            inst = getCustomOp(node)
            gates = inst.gate_pattern(self.df, np.stack(self.inputs[node.name]))
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
        analytic = max(cycles.get(n.name, getCustomOp(n).get_exp_cycles()) for n in self.df.graph.node)
        return {"layers": layers, "analytic_cycles_per_frame": analytic}


def gate_line(report: dict) -> str:
    return "; ".join(f"{g['layer']}: LSB pass on {100 * (1 - g['lsb_skipped_fraction']):.1f} % of outputs, "
                     f"{g['cycles_per_frame']:.0f} cycles/frame ({100 * g['cycles_saved_vs_plain']:.0f} % fewer than a "
                     f"plain 2-bit unit's {g['plain_2bit_cycles_per_frame']})" for g in report["layers"])
