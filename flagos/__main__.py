"""``python -m flagos info``: what this flagos build is and what it sees."""
from __future__ import annotations

import argparse
import sys


def info() -> int:
    import torch

    import flagos

    dev = torch.flagos
    print(f"flagos {flagos.__version__}  platform={flagos.platform}")
    print(f"torch {torch.__version__} (flagos built against torch {flagos.torch_version}, "
          f"CXX11 ABI={int(flagos.cxx11_abi)})")
    print(f"python {sys.version.split()[0]}")
    print(f"FlagGems: available={flagos.is_flaggems_available()} enabled={flagos.is_flaggems_enabled()}")
    count = dev.device_count()
    print(f"devices: {count}")
    for i in range(count):
        p = dev.get_device_properties(i)
        print(f"  flagos:{i}  {p.name}  memory={p.total_memory / 2**30:.1f} GiB  "
              f"capability={p.major}.{p.minor}  units={p.multi_processor_count}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m flagos", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("info", help="print platform, versions, devices and their properties")
    args = parser.parse_args(argv)
    if args.command == "info":
        return info()
    return 2


if __name__ == "__main__":
    sys.exit(main())
