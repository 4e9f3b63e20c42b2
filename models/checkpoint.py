"""Checkpoints: a model's name and shape, its weights, and the training state to resume from."""
import os
from pathlib import Path

import torch

from .errors import BcnnError
from .registry import build_model


def save_checkpoint(path: Path, model, model_name: str, num_classes: int, in_shape, **state) -> None:
    """Write atomically (temp file, then rename) so an interrupted run never leaves a torn file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {"model_name": model_name, "num_classes": num_classes, "in_shape": list(in_shape),
               "state_dict": model.state_dict(), **state}
    tmp = path.with_name(path.name + ".partial")
    torch.save(payload, tmp)
    os.replace(tmp, path)


def load_checkpoint(path: Path):
    """-> (model in eval mode, the checkpoint dict)."""
    path = Path(path)
    if not path.is_file():
        raise BcnnError(f"{path}: no such checkpoint (expected a .pt file written by `bcnn train`)")
    try:
        ckpt = torch.load(path, map_location="cpu", weights_only=False)
        model = build_model(ckpt["model_name"], ckpt["num_classes"], ckpt["in_shape"],
                            method=ckpt.get("method", "ste"), float_teacher=ckpt.get("float_teacher", False))
        model.load_state_dict(ckpt["state_dict"])
    except BcnnError:
        raise
    except Exception as exc:
        raise BcnnError(f"{path}: not a bcnn checkpoint ({type(exc).__name__}: {exc})") from exc
    return model.eval(), ckpt


def frozen(model: torch.nn.Module) -> torch.nn.Module:
    """`model` in eval mode with gradients off: a teacher that is only ever run forward."""
    for p in model.parameters():
        p.requires_grad_(False)
    return model.eval()
