"""Everything that speaks Hyperliquid's `/info` protocol: the client side and the built-in simulator.

The simulator (`maicro.hyperliquid.simulator`) stands in for the real exchange in tests and demos,
so the client code is exercised over real HTTP against the documented response shapes.
"""
