"""The reference RTN quantizer of shared/data/tools/refquant.py in numpy
float32 (np.round rounds half to even like torch.round), for the test scripts
(on PYTHONPATH as test/lib/safetensors_np.py is)."""
import numpy as np


def rtn(w, bits, group, symmetric=False):
    """w [rows, cols] quantized per group of `group` columns and dequantized."""
    rows, cols = w.shape
    g = w.reshape(rows, cols // group, group).astype(np.float32)
    if symmetric:
        half = np.float32(2 ** (bits - 1) - 1)
        scale = np.abs(g).max(axis=2, keepdims=True)
        scale = np.where(scale == 0, np.float32(1), scale / half).astype(np.float32)
        q = np.clip(np.round(g / scale), -half, half)
        return (scale * q).reshape(rows, cols)
    maxq = np.float32(2 ** bits - 1)
    xmin = np.minimum(g.min(axis=2, keepdims=True), 0)
    xmax = np.maximum(g.max(axis=2, keepdims=True), 0)
    both = (xmin == 0) & (xmax == 0)
    xmin, xmax = np.where(both, np.float32(-1), xmin), np.where(both, np.float32(1), xmax)
    scale = ((xmax - xmin) / maxq).astype(np.float32)
    zero = np.round(-xmin / scale)
    q = np.clip(np.round(g / scale) + zero, 0, maxq)
    return (scale * (q - zero)).astype(np.float32).reshape(rows, cols)
