"""The browsing UI's routers, one per area."""
