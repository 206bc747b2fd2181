"""tests/gpu shares tests/python's session seed and `gen` fixture (one conftest, loaded by path)."""
import importlib.util
import os
import sys

_here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(_here, "..", "python"))
_spec = importlib.util.spec_from_file_location("flagos_python_conftest", os.path.join(_here, "..", "python", "conftest.py"))
_conftest = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_conftest)

gen = _conftest.gen
pytest_report_header = _conftest.pytest_report_header
