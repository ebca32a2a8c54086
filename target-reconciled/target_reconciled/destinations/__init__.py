"""Where reconciled tables are written."""
