"""The `bizflow` sub-commands, one module per area; each exposes `commands`."""
