"""``python -m flagos``: ``info`` (this build and its devices), ``routes`` (the effective routing
table and the origin of each route), ``check`` (non-native routes against native), ``tune``
(routes chosen by measured speed among the providers that pass check)."""
from __future__ import annotations

import argparse
import sys


# Where each platform's build has been verified: said plainly, so that nobody takes a build tested
# against the synthetic stand-in SDKs (tests/synthetic_sdk) for one tested on the chip.
VERIFIED = {
    "host": "in CI (the host platform needs no hardware)",
    "cuda": "on NVIDIA H100 and H200 GPUs (tests and benchmarks; CI compiles it without a GPU)",
    "metax": "against a synthetic stand-in MACA SDK only, never on MetaX hardware",
    "ascend": "against a synthetic stand-in CANN toolkit only, never on Ascend hardware",
}


def info() -> int:
    import torch

    import flagos

    dev = torch.flagos
    print(f"flagos {flagos.__version__}  platform={flagos.platform}")
    print(f"verified: {VERIFIED.get(flagos.platform, 'never')}")
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


def routes(show_all: bool) -> int:
    import flagos

    r = flagos.routing
    print(f"flagos {flagos.__version__}  platform={flagos.platform}")
    print("providers:")
    for p in r.providers():
        reason = p.unavailable()
        state = f"unavailable: {reason}" if reason else "available"
        print(f"  {p.name:<10} {p.kind.name.lower():<8} {state}")
    providers, origin = r.policy()
    print(f"default policy: {', '.join(providers)}  ({origin})")
    table = r.table()
    if show_all:
        print(f"routes ({len(table)}):")
    else:
        table = [t for t in table if t.provider != "native" or not t.origin.startswith("default policy")]
        print(f"routes decided by name ({len(table)}; --all adds kernel providers' default-policy ones):"
              if any(t.origin.startswith("default policy") for t in r.table()) else f"routes ({len(table)}):")
    width = max([len("operator")] + [len(t.op) for t in table])
    for t in table:
        print(f"  {t.op:<{width}}  {t.provider:<10} {t.origin}")
    print("every other operator: the default policy (native if no provider in it implements the operator)")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m flagos", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("info", help="print platform, versions, devices and their properties")
    routes_cmd = sub.add_parser("routes", help="print the effective routing table and where each route comes from")
    routes_cmd.add_argument("--all", action="store_true", help="also list default-policy routes")
    sub.add_parser("check", help="check non-native routes against native (python -m flagos check -h)",
                   add_help=False)
    sub.add_parser("tune", help="route each traced operator to the fastest correct provider (python -m flagos tune -h)",
                   add_help=False)
    args, rest = parser.parse_known_args(argv)
    if args.command == "info":
        return info()
    if args.command == "routes":
        return routes(args.all)
    if args.command == "check":
        from .routing import _check

        return _check.main(rest)
    if args.command == "tune":
        from .routing import _tune_cli

        return _tune_cli.main(rest)
    return 2


if __name__ == "__main__":
    sys.exit(main())
