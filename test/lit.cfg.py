# -*- Python -*-
# lit configuration of the QuantForge test suite.

import os

import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "QuantForge"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.quantforge_obj_root, "test")
# Inputs, generators and unit-test sources are not lit tests.
config.excludes = ["Inputs", "unit", "fuzz", "fixtures", "lib", "CMakeLists.txt", "lit.cfg.py"]

config.substitutions.append(("%PATH%", config.environment["PATH"]))
config.substitutions.append(("%python", config.python_executable))
config.substitutions.append(("%qf_src", config.quantforge_src_root))
# The runtime's qf_parallel_for for hosts other than the runtime (run_so.py).
config.substitutions.append(("%qf_parallel_for_lib", os.path.join(config.quantforge_obj_root, "lib", "libqf-parallel-for.so")))
# The shared data beside the checkout (models, text, reference numbers).
shared_dir = os.path.join(os.path.dirname(config.quantforge_src_root), "shared")
config.substitutions.append(("%shared", shared_dir))
if os.path.isdir(shared_dir):
    config.available_features.add("shared-data")

llvm_config.with_system_environment(["HOME", "INCLUDE", "LIB", "TMP", "TEMP"])
llvm_config.use_default_substitutions()
# The test scripts' shared Python modules (safetensors_np).
llvm_config.with_environment("PYTHONPATH", os.path.join(config.test_source_root, "lib"), append_path=True)
# FileCheck, not and count live in the LLVM tools directory.
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)

tool_dirs = [config.quantforge_tools_dir, config.llvm_tools_dir]
tools = ["quant-opt", "quant-import", "quant-compile", "quant-export", "quant-run", "quant-eval", "qf-dequantize-weights", "qf-tokenize", "qf-compare-devices"]
llvm_config.add_tool_substitutions(tools, tool_dirs)

# CUDA: compiling needs the toolkit (ptxas, libdevice); running needs a GPU.
# Tests that need a GPU are UNSUPPORTED elsewhere, and the run says why.
cuda_home = os.environ.get("CUDA_HOME") or "/usr/local/cuda"
ptxas = os.path.join(cuda_home, "bin", "ptxas")
if os.access(ptxas, os.X_OK) and os.path.isdir(os.path.join(cuda_home, "nvvm", "libdevice")):
    config.available_features.add("cuda-toolkit")
    config.substitutions.append(("%ptxas", ptxas))
else:
    lit_config.note("CUDA compile tests skipped: no ptxas/libdevice under " + cuda_home)
config.substitutions.append(("%qf_fake_cuda", os.path.join(config.quantforge_obj_root, "lib", "libqf-fake-cuda.so")))
try:
    import ctypes
    ctypes.CDLL("libcuda.so.1").cuInit
    config.available_features.add("cuda-gpu")
except (OSError, AttributeError):
    lit_config.note("CUDA GPU tests skipped (UNSUPPORTED): libcuda.so.1 cannot be loaded, no GPU here")
for name in ["CUDA_HOME", "QF_CUDA_POISON", "QF_CUDA_GRAPHS"]:
    if name in os.environ:
        config.environment[name] = os.environ[name]
