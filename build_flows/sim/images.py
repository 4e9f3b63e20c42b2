"""Stream real test images through a built design's RTL and compare its labels with torch's."""
from pathlib import Path

import numpy as np
import torch

from .simulate import simulate


def simulate_images(build_dir, model: torch.nn.Module, images: torch.Tensor, npy_path: Path, **options) -> tuple:
    """images in [0, 1] -> (bcnn sim's report on their 8-bit pixels, whether the simulated labels
    equal the torch model's)."""
    pixels = torch.round(images * 255).numpy().astype(np.uint8)
    np.save(npy_path, pixels)
    with torch.no_grad():
        torch_labels = model(torch.from_numpy(pixels.astype(np.float32) / 255)).argmax(1).tolist()
    report = simulate(build_dir, frames=len(pixels), input_npy=npy_path, **options)
    labels = [row[0] for row in report["labels_sim"]] if report["labels_sim"] else None
    return report, labels == torch_labels
