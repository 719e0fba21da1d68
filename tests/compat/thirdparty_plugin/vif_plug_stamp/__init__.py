"""A small third-party os-vif plugin: one file per plugged VIF."""
