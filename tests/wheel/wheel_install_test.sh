#!/usr/bin/env bash
# Installs the built wheel with pip into a fresh virtual environment and uses it from outside the
# source tree, as a user would: import, compute, PyTorch's autoload entry point (and its opt-out),
# `python -m flagos info`.
#
# The fresh venv sees the pinned environment's torch (and torch's own dependencies) through a .pth
# file instead of installing a second copy of torch (hundreds of MB); pip then checks the wheel's
# Requires-Dist (torch==X) against it, offline. The venv is made without its own pip/setuptools
# (they would shadow torch's), and the pinned environment's pip installs into it (pip --python).
# Arguments: <wheel> <python of the pinned environment>
set -euo pipefail
wheel="$1"
python="$2"
work="${TEST_TMPDIR:-$(mktemp -d)}/wheel_install"
rm -rf "$work"
mkdir -p "$work/elsewhere"

"$python" -m venv --without-pip "$work/venv"
venv_python="$work/venv/bin/python"
torch_site="$("$python" -c 'import os, torch; print(os.path.dirname(os.path.dirname(torch.__file__)))')"
venv_site="$("$venv_python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
echo "$torch_site" > "$venv_site/pinned_torch.pth"

"$python" -m pip --python "$venv_python" install --quiet --no-index --disable-pip-version-check "$wheel"
"$python" -m pip --python "$venv_python" check

cd "$work/elsewhere"
"$venv_python" - "$venv_site" <<'PY'
import os, sys
import torch, flagos
site = sys.argv[1]
assert os.path.realpath(flagos.__file__).startswith(os.path.realpath(site)), flagos.__file__
x = torch.arange(6.0).reshape(2, 3).to("flagos")
y = (x @ x.t()).relu().sum()
assert y.device.type == "flagos" and y.item() == 83.0, y  # [[5, 14], [14, 50]]
print("installed wheel works:", flagos.__version__, flagos.platform, "from", os.path.dirname(flagos.__file__))
PY

# `import flagos` before torch: torch's import autoloads flagos while flagos is initialising.
"$venv_python" -c 'import flagos, torch; assert torch.ones(2, device="flagos").sum().item() == 2; print("import flagos first: ok")'
# PyTorch loads flagos by itself through the torch.backends entry point...
"$venv_python" -c 'import torch; assert torch.accelerator.current_accelerator().type == "flagos"; assert hasattr(torch, "flagos"); print("autoload: flagos is the accelerator")'
# ...unless TORCH_DEVICE_BACKEND_AUTOLOAD=0.
TORCH_DEVICE_BACKEND_AUTOLOAD=0 "$venv_python" -c 'import sys, torch; assert "flagos" not in sys.modules and not hasattr(torch, "flagos"); print("autoload disabled: flagos not loaded")'

"$venv_python" -m flagos info | tee "$work/info.txt"
grep -q "platform=" "$work/info.txt"
grep -q "devices: 1" "$work/info.txt"
echo "PASS"
