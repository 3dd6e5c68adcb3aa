"""Regenerate model_zoo_36.csv and imagenet_5.csv from published figures.

Deterministic, no network: run `python sample_data/make_model_zoo.py` from anywhere.

Published (torchvision model zoo, "Table of all available classification weights";
the same values are the `_metrics["ImageNet-1K"]["acc@1"]`, `num_params` and `_ops`
fields of each `*_Weights` enum in torchvision/models/*.py):
    top-1 accuracy (acc@1, %), parameters, GFLOPS.

Estimated (NOT measured; see README.md):
    batch-1 latency on one NVIDIA T4, throughput = 1000 / latency, cost per 1k
    inferences on an AWS g4dn.xlarge billed on demand, maintainability 1-5.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent

# --- pricing -------------------------------------------------------------------------
INSTANCE = "AWS g4dn.xlarge (1x NVIDIA T4 16 GB, 4 vCPU), Linux on-demand, us-east-1"
USD_PER_HOUR = 0.526

# --- latency model (batch 1, FP16, one stream, T4) -----------------------------------
# latency_ms = OVERHEAD_MS + family_factor * C_MS * gflops ** EXPONENT
# OVERHEAD_MS: fixed per-call cost (kernel launches, host<->device copy of one
# 224-600 px image, framework dispatch), which dominates for tiny models.
# EXPONENT < 1: small models use the GPU less efficiently than big ones at batch 1.
# family_factor: how far a block type falls short of dense-conv efficiency per FLOP
# on a T4 (depthwise/SE convs and window attention are memory-bound).
OVERHEAD_MS = 0.5
C_MS = 0.6
EXPONENT = 0.8

FAMILY_FACTOR = {
    "ResNet": 1.0,
    "Wide ResNet": 1.0,
    "ResNeXt": 1.2,  # grouped 3x3 convs
    "DenseNet": 1.3,  # concatenations, memory-bound
    "SqueezeNet": 1.0,
    "RegNet": 1.3,  # grouped convs + squeeze-excitation
    "MobileNet": 2.2,  # depthwise separable convs
    "ShuffleNet": 2.2,  # depthwise + channel shuffle
    "MNASNet": 2.2,  # depthwise (NAS-found) blocks
    "EfficientNet": 3.0,  # depthwise + squeeze-excitation + SiLU
    "EfficientNetV2": 1.7,  # fused-MBConv in early stages recovers some efficiency
    "ConvNeXt": 1.3,  # 7x7 depthwise + LayerNorm
    "ViT": 1.0,  # large dense GEMMs, GPU friendly
    "Swin": 1.5,  # shifted windows: reshapes, rolls, masks
}

# --- maintainability heuristic (1 = hardest, 5 = easiest) ----------------------------
# family base score, then -1 if params > 80 M (heavy to ship and to fine-tune),
# -1 more if params > 200 M, -1 if the eval input is >= 380 px (memory, preprocessing
# cost), clipped to 1..5.
FAMILY_BASE = {
    "ResNet": 5,  # ubiquitous; exports/quantises everywhere
    "Wide ResNet": 5,
    "ResNeXt": 5,
    "MobileNet": 4,  # depthwise convs quantise less gracefully
    "DenseNet": 4,  # dated; memory-hungry training
    "SqueezeNet": 4,  # old and simple but superseded
    "ShuffleNet": 4,  # channel shuffle is awkward for some exporters
    "MNASNet": 4,
    "EfficientNet": 4,  # compound scaling; training recipe is finicky
    "EfficientNetV2": 4,
    "RegNet": 4,
    "ConvNeXt": 4,  # modern CNN; LayerNorm/GELU
    "ViT": 3,  # attention; fine-tuning needs care; large checkpoints
    "Swin": 2,  # window attention with shifts: hardest to export and optimise
}

# --- published figures ---------------------------------------------------------------
# (name, family, torchvision weights, top-1 %, params, GFLOPS, eval crop px)
ZOO = [
    ("ResNet-18", "ResNet", "ResNet18_Weights.IMAGENET1K_V1", 69.758, 11_689_512, 1.814, 224),
    ("ResNet-34", "ResNet", "ResNet34_Weights.IMAGENET1K_V1", 73.314, 21_797_672, 3.664, 224),
    ("ResNet-50", "ResNet", "ResNet50_Weights.IMAGENET1K_V2", 80.858, 25_557_032, 4.089, 224),
    ("ResNet-101", "ResNet", "ResNet101_Weights.IMAGENET1K_V2", 81.886, 44_549_160, 7.801, 224),
    ("ResNet-152", "ResNet", "ResNet152_Weights.IMAGENET1K_V2", 82.284, 60_192_808, 11.514, 224),
    ("Wide ResNet-50-2", "Wide ResNet", "Wide_ResNet50_2_Weights.IMAGENET1K_V2", 81.602, 68_883_240, 11.398, 224),
    ("ResNeXt-101 64x4d", "ResNeXt", "ResNeXt101_64X4D_Weights.IMAGENET1K_V1", 83.246, 83_455_272, 15.46, 224),
    ("DenseNet-121", "DenseNet", "DenseNet121_Weights.IMAGENET1K_V1", 74.434, 7_978_856, 2.834, 224),
    ("SqueezeNet 1.1", "SqueezeNet", "SqueezeNet1_1_Weights.IMAGENET1K_V1", 58.178, 1_235_496, 0.349, 224),
    ("ShuffleNetV2 x1.0", "ShuffleNet", "ShuffleNet_V2_X1_0_Weights.IMAGENET1K_V1", 69.362, 2_278_604, 0.145, 224),
    ("MNASNet 1.0", "MNASNet", "MNASNet1_0_Weights.IMAGENET1K_V1", 73.456, 4_383_312, 0.314, 224),
    ("MobileNetV2", "MobileNet", "MobileNet_V2_Weights.IMAGENET1K_V2", 72.154, 3_504_872, 0.301, 224),
    ("MobileNetV3-Small", "MobileNet", "MobileNet_V3_Small_Weights.IMAGENET1K_V1", 67.668, 2_542_856, 0.057, 224),
    ("MobileNetV3-Large", "MobileNet", "MobileNet_V3_Large_Weights.IMAGENET1K_V1", 74.042, 5_483_032, 0.217, 224),
    ("EfficientNet-B0", "EfficientNet", "EfficientNet_B0_Weights.IMAGENET1K_V1", 77.692, 5_288_548, 0.386, 224),
    ("EfficientNet-B2", "EfficientNet", "EfficientNet_B2_Weights.IMAGENET1K_V1", 80.608, 9_109_994, 1.088, 288),
    ("EfficientNet-B3", "EfficientNet", "EfficientNet_B3_Weights.IMAGENET1K_V1", 82.008, 12_233_232, 1.827, 300),
    ("EfficientNet-B4", "EfficientNet", "EfficientNet_B4_Weights.IMAGENET1K_V1", 83.384, 19_341_616, 4.394, 380),
    ("EfficientNet-B5", "EfficientNet", "EfficientNet_B5_Weights.IMAGENET1K_V1", 83.444, 30_389_784, 10.266, 456),
    ("EfficientNet-B6", "EfficientNet", "EfficientNet_B6_Weights.IMAGENET1K_V1", 84.008, 43_040_704, 19.068, 528),
    ("EfficientNet-B7", "EfficientNet", "EfficientNet_B7_Weights.IMAGENET1K_V1", 84.122, 66_347_960, 37.746, 600),
    ("EfficientNetV2-S", "EfficientNetV2", "EfficientNet_V2_S_Weights.IMAGENET1K_V1", 84.228, 21_458_488, 8.366, 384),
    ("EfficientNetV2-M", "EfficientNetV2", "EfficientNet_V2_M_Weights.IMAGENET1K_V1", 85.112, 54_139_356, 24.582, 480),
    ("EfficientNetV2-L", "EfficientNetV2", "EfficientNet_V2_L_Weights.IMAGENET1K_V1", 85.808, 118_515_272, 56.08, 480),
    ("RegNetY-400MF", "RegNet", "RegNet_Y_400MF_Weights.IMAGENET1K_V2", 75.804, 4_344_144, 0.402, 224),
    ("RegNetY-1.6GF", "RegNet", "RegNet_Y_1_6GF_Weights.IMAGENET1K_V2", 80.876, 11_202_430, 1.612, 224),
    ("ConvNeXt-Tiny", "ConvNeXt", "ConvNeXt_Tiny_Weights.IMAGENET1K_V1", 82.520, 28_589_128, 4.456, 224),
    ("ConvNeXt-Small", "ConvNeXt", "ConvNeXt_Small_Weights.IMAGENET1K_V1", 83.616, 50_223_688, 8.684, 224),
    ("ConvNeXt-Base", "ConvNeXt", "ConvNeXt_Base_Weights.IMAGENET1K_V1", 84.062, 88_591_464, 15.355, 224),
    ("ConvNeXt-Large", "ConvNeXt", "ConvNeXt_Large_Weights.IMAGENET1K_V1", 84.414, 197_767_336, 34.361, 224),
    ("ViT-B/16", "ViT", "ViT_B_16_Weights.IMAGENET1K_V1", 81.072, 86_567_656, 17.564, 224),
    ("ViT-B/32", "ViT", "ViT_B_32_Weights.IMAGENET1K_V1", 75.912, 88_224_232, 4.409, 224),
    ("ViT-L/16", "ViT", "ViT_L_16_Weights.IMAGENET1K_V1", 79.662, 304_326_632, 61.555, 224),
    ("Swin-T", "Swin", "Swin_T_Weights.IMAGENET1K_V1", 81.474, 28_288_354, 4.491, 224),
    ("Swin-S", "Swin", "Swin_S_Weights.IMAGENET1K_V1", 83.196, 49_606_258, 8.741, 224),
    ("Swin-B", "Swin", "Swin_B_Weights.IMAGENET1K_V1", 83.582, 87_768_224, 15.431, 224),
]

IMAGENET_5 = ["ResNet-50", "MobileNetV3-Large", "EfficientNet-B0", "EfficientNet-B4", "ConvNeXt-Tiny"]


def sig(x: float, digits: int = 6) -> str:
    """x to `digits` significant digits, positional (never 1e-05 notation)."""
    return format(Decimal(f"{x:.{digits}g}"), "f")


def latency_ms(family: str, gflops: float) -> float:
    return round(OVERHEAD_MS + FAMILY_FACTOR[family] * C_MS * gflops**EXPONENT, 2)


def maintainability(family: str, params: int, crop: int) -> int:
    score = FAMILY_BASE[family]
    score -= params > 80_000_000
    score -= params > 200_000_000
    score -= crop >= 380
    return max(1, min(5, int(score)))


def build() -> pd.DataFrame:
    rows = []
    for name, family, weights, top1, params, gflops, crop in ZOO:
        lat = latency_ms(family, gflops)
        thr = round(1000.0 / lat, 1)  # one request at a time: throughput = 1 / latency
        cost = USD_PER_HOUR / (thr * 3600.0) * 1000.0  # from the stated throughput
        rows.append(
            {
                "name": name,
                "accuracy": top1,
                "latency_ms": lat,
                "cost_per_1k": sig(cost),
                "maintainability": maintainability(family, params, crop),
                "params_m": round(params / 1e6, 1),
                "gflops": gflops,
                "family": family,
                "throughput_img_per_s": thr,
                "weights": weights,
            }
        )
    frame = pd.DataFrame(rows)
    assert frame["name"].is_unique and not frame["name"].str.contains(",").any()
    return frame


def main() -> None:
    frame = build()
    zoo_cols = ["name", "accuracy", "latency_ms", "cost_per_1k", "maintainability",
                "params_m", "gflops", "family", "throughput_img_per_s"]
    frame[zoo_cols].to_csv(HERE / "model_zoo_36.csv", index=False, lineterminator="\n")

    five = frame.set_index("name").loc[IMAGENET_5].reset_index()
    five = five.rename(columns={"accuracy": "top1"})
    five_cols = ["name", "top1", "latency_ms", "throughput_img_per_s", "cost_per_1k",
                 "maintainability", "params_m", "gflops"]
    five[five_cols].to_csv(HERE / "imagenet_5.csv", index=False, lineterminator="\n")
    print(f"wrote {len(frame)} rows to model_zoo_36.csv and {len(five)} to imagenet_5.csv")


if __name__ == "__main__":
    main()
