"""Emulator of the Ve Interactive Invoicing API."""

from sandbox.ve.app import VeEmulator
from sandbox.ve.cli import add_arguments, from_args
from sandbox.ve.config import Account, VeConfig

__all__ = ["Account", "VeConfig", "VeEmulator", "add_arguments", "from_args"]
