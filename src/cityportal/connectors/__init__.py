"""Client side of the external systems (ROeID, tax, registry, mail)."""
