"""Built-in governance structures (``*.toml``) and population profiles (``populations/*.toml``),
shipped as package data ``govsim.scenarios`` and read with ``importlib.resources``."""
