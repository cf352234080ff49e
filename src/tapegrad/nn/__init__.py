"""``torch.nn``: modules, parameters, their functional forms, initialisers and utilities.

Built on tapegrad's public API (``import tapegrad``); the core never imports it.
"""
from .parameter import *  # noqa: F401,F403
from .modules import *  # noqa: F401,F403
from . import functional, init, utils  # noqa: F401
