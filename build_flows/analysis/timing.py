"""Whether a design's longest register-to-register path fits its clock: the timing half of "fits".

There is no open place and route for Xilinx parts, so the clock a design reaches is not known
before Vivado runs. The proxy: every cell of Yosys' netlist costs what one logic level of its
kind costs on that family, with the net after it (a LUT or MUXF; the first CARRY of a chain; each
later CARRY of the chain; a DSP slice passed through without registers; an inverter nothing, as
Vivado folds it into a LUT), and the path of largest cost plus the intercept is the period the
design needs. The costs are fitted by least squares to the minimum period (requirement - slack)
of register-to-register fabric paths in Vivado's post-route timing reports of parts of the family
(delay_models.yaml names the reports). It is a proxy: a path's routing depends on placement and
fanout, which the netlist does not see; `margin_ns`, the 90th percentile of the fit's residuals,
says by how much a path may differ."""
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files

import yaml

from models.errors import BcnnError


@dataclass(frozen=True)
class DelayModel:
    family: str
    intercept_ns: float  # clock-to-out, the launching register's net, setup and clock uncertainty
    lut_ns: float  # a LUT (or MUXF, LUT-RAM read) level and the net after it
    carry_entry_ns: float  # the first CARRY of a chain and the net into it
    carry_chained_ns: float  # each CARRY cell fed by the one before it in the chain
    dsp_ns: float  # a DSP slice passed through without registers
    margin_ns: float  # 90th percentile of |residual| of the fit
    measured_on: str
    assumptions: str
    source: str

    def cell_ns(self, kind: str, chained: bool) -> float:
        """What one cell of Yosys' Xilinx netlist adds to a path."""
        if kind.startswith("CARRY"):
            return self.carry_chained_ns if chained else self.carry_entry_ns
        if kind.startswith("DSP"):
            return self.dsp_ns
        if kind == "INV":
            return 0.0
        return self.lut_ns  # LUT1..6, MUXF7/8, a LUT RAM or shift register read

    def period_ns(self, path_ns: float) -> float:
        return self.intercept_ns + path_ns


@lru_cache(maxsize=1)
def delay_models() -> dict:
    table = yaml.safe_load(files(__package__).joinpath("delay_models.yaml").read_text())
    return {family: DelayModel(family=family, **fields) for family, fields in table.items()}


def delay_model(family: str) -> DelayModel:
    models = delay_models()
    if family not in models:
        raise BcnnError(f"no delay model for FPGA family '{family}' (build_flows/analysis/delay_models.yaml has "
                        f"{', '.join(models)})")
    return models[family]


def timing(delay_path: dict, logic_levels: int, family: str, clock_ns: float) -> dict:
    """The timing verdict of a design whose costliest path is `delay_path` (netlist.delay_path) at
    `clock_ns`, for reports."""
    model = delay_model(family)
    period = model.period_ns(delay_path["ns"])
    return {"clock_ns": clock_ns, "proxy_period_ns": round(period, 3), "proxy_fmax_mhz": round(1000.0 / period, 1),
            "fits": period <= clock_ns, "margin_ns": model.margin_ns,
            "critical_path": delay_path, "logic_levels": logic_levels,
            "model": {"family": family, "measured_on": model.measured_on}}
