"""The names of the models, training methods and data sets, without importing torch: the CLI offers them as
choices, and a command that trains nothing (`bcnn sim`, `bcnn report`) should not pay torch's
two-second import to parse its options. models.registry and models.recipes build their tables
from these names (tests/test_methods.py checks they agree)."""
BNN_PYNQ = ("tfc", "sfc", "lfc", "cnv")
PRECISIONS = ((1, 1), (1, 2), (2, 2))
BNN_PYNQ_MODELS = tuple(f"{t}_w{w}a{a}" for t in BNN_PYNQ for w, a in PRECISIONS)
CONV_MODEL_NAMES = ("resnet_small", "resnet_wide", "rf_resnet_small", "drf_densenet_small", "resnet20", "resnet18")
MODEL_NAMES = BNN_PYNQ_MODELS + CONV_MODEL_NAMES
METHOD_NAMES = ("ste", "irnet", "bireal", "dgrl", "sofar", "fracbnn")
# the *_32x32x3 stand-ins: MNIST / Fashion-MNIST resized to CIFAR-10's shape, for CIFAR-size
# models on machines without CIFAR-10 (models/data.py)
STAND_IN_SUFFIX = "_32x32x3"
DATASET_NAMES = ("digits", "mnist", "fashion_mnist", "cifar10", "mnist" + STAND_IN_SUFFIX,
                 "fashion_mnist" + STAND_IN_SUFFIX)
