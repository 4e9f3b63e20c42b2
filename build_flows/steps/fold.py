"""Folding: how many processing elements (PE) and SIMD lanes each layer gets, from a folding
file (folding/config_file.py), the fastest within the board's budget (`--folding fastest`), for
--target-fps (folding/target.py) or FINN+'s SetFolding for the default target; then width converters where the foldings
of neighbours differ."""
from finn.transformation.general import ApplyConfig
from qonnx.core.modelwrapper import ModelWrapper

from ..folding.config_file import check_folding, finn_names, load_folding
from ..folding.search import FASTEST, fastest_within_budget, insert_converters, search_folding
from ..folding.target import fold_for_target
from .dataflow import transform_dataflow


def step_fold(model: ModelWrapper, cfg) -> ModelWrapper:
    """Apply the folding file, search the fastest folding within the board's budget (--folding
    fastest), or search one for the target cycles per frame."""

    def fold(df: ModelWrapper) -> ModelWrapper:
        if cfg.folding == FASTEST:
            fastest_within_budget(df, cfg)
        elif cfg.folding:
            config = finn_names(df, load_folding(cfg.folding))
            check_folding(df, config, f"--folding {cfg.folding}")
            df = df.transform(ApplyConfig(config))
        elif cfg.target_fps is not None:
            fold_for_target(df, cfg)
        else:  # the default: FINN+'s SetFolding for the default target
            df = search_folding(df, cfg.target_cycles_per_frame)
        return df

    return transform_dataflow(model, cfg, "fold", fold)


def step_insert_width_converters(model: ModelWrapper, cfg) -> ModelWrapper:
    """Insert data width converters where a producer's and a consumer's stream widths differ
    (after bit-width minimization, so the converters see the final widths)."""

    return transform_dataflow(model, cfg, "insert_width_converters", lambda df: insert_converters(df, cfg.fpga_part))
