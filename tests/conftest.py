"""Hooks shared by every test suite.

This file also makes ``tests/`` importable, so shared helpers live in
``tests/fixtures`` and are imported as ``fixtures.<module>`` (pytest's default
import mode puts each conftest's directory on ``sys.path``).
"""
